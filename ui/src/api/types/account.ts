// Who the browser is logged in as.

export interface UserInfo {
  loggedIn: boolean;
  username?: string;
  groups?: string[];
}
