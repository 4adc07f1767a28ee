// A registered Git repository (credentials never sent, only whether there are some).
import type { Connection } from './clusters.ts';

export interface Repository {
  name?: string;
  url: string;
  username?: string;
  hasCredentials?: boolean;
  connection?: Connection;
}
