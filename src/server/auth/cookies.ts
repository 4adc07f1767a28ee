// The cookies auth needs, read from and written to headers directly: the module then works
// whether or not the API server registers @fastify/cookie, and cannot clash with it.
export const SESSION_COOKIE = 'tiphys.token';
export const OIDC_STATE_COOKIE = 'tiphys.oidc';
/** The double-submit token of a browser session (csrf.ts): readable by the UI's scripts. */
export const CSRF_COOKIE = 'tiphys.csrf';

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0 || part.slice(0, index).trim() !== name) continue;
    const value = part
      .slice(index + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    try {
      return decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export interface CookieOptions {
  path: string;
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
  secure: boolean;
  /**
   * Default true: scripts never see the value. Only the double-submit token is readable, since
   * the UI must copy it into a header, and it is SameSite=Strict.
   */
  httpOnly?: boolean;
}

/** HttpOnly and SameSite=Lax unless told otherwise: other sites cannot post with it. */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const httpOnly = options.httpOnly ?? true;
  return [
    `${name}=${encodeURIComponent(value)}`,
    `Path=${options.path}`,
    `Max-Age=${Math.max(0, Math.floor(options.maxAge))}`,
    ...(options.maxAge <= 0 ? ['Expires=Thu, 01 Jan 1970 00:00:00 GMT'] : []),
    ...(httpOnly ? ['HttpOnly', 'SameSite=Lax'] : ['SameSite=Strict']),
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}
