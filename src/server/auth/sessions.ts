// Who is calling: a session token (login or SSO, 24 h, revocable by logout) or an API token, from
// `Authorization: Bearer` or the `tiphys.token` cookie.
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AuthContext, nowSeconds } from './context.ts';
import { CSRF_COOKIE, readCookie, SESSION_COOKIE, serializeCookie } from './cookies.ts';
import { signToken, verifyToken } from './signed-token.ts';
import type { Identity } from './types.ts';

export const SESSION_SECONDS = 24 * 60 * 60;
// Browsers drop cookies past ~4 kB; a session that cannot be stored must fail loudly instead.
const MAX_SESSION_TOKEN = 3800;

/** The token the request presents, bearer header first. */
export function presentedToken(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match) return match[1];
  }
  return readCookie(req.headers.cookie, SESSION_COOKIE);
}

export async function identityFromToken(ctx: AuthContext, token: string): Promise<Identity | undefined> {
  const now = nowSeconds(ctx);
  const session = verifyToken(ctx.signingKey, token, 'session', now);
  if (session) {
    if (!session.sub || (session.kind !== 'local' && session.kind !== 'sso')) return undefined;
    if (await ctx.revocations.isRevoked(session.jti)) return undefined;
    return { subject: session.sub, groups: session.groups ?? [], kind: session.kind, expiresAt: session.exp };
  }
  const api = verifyToken(ctx.signingKey, token, 'api', now);
  if (!api) return undefined;
  const record = await ctx.tokens.lookup(api.jti, token);
  if (!record) return undefined;
  return {
    subject: record.subject,
    groups: record.groups,
    kind: 'token',
    tokenId: record.id,
    ...(record.expiresAt === undefined ? {} : { expiresAt: record.expiresAt }),
  };
}

export class SessionTooLargeError extends Error {
  override name = 'SessionTooLargeError';
}

export function issueSession(
  ctx: AuthContext,
  subject: string,
  groups: string[],
  kind: 'local' | 'sso',
): { token: string; expiresAt: number } {
  const iat = nowSeconds(ctx);
  const exp = iat + SESSION_SECONDS;
  const token = signToken(ctx.signingKey, {
    typ: 'session',
    jti: randomUUID(),
    iat,
    exp,
    sub: subject,
    groups,
    kind,
  });
  if (token.length > MAX_SESSION_TOKEN) {
    throw new SessionTooLargeError(
      `the session for ${subject} would be too large for a cookie (${groups.length} groups); ` +
        'limit the groups the identity provider sends',
    );
  }
  return { token, expiresAt: exp };
}

/** Logout: the presented session is revoked until it would have expired. */
export async function revokeSession(ctx: AuthContext, token: string): Promise<boolean> {
  const session = verifyToken(ctx.signingKey, token, 'session', nowSeconds(ctx));
  if (!session?.exp) return false;
  await ctx.revocations.revoke(session.jti, session.exp);
  return true;
}

// req.protocol reads X-Forwarded-Proto only when the server trusts its proxy (--trust-proxy).
function isHttps(req: FastifyRequest): boolean {
  return req.protocol === 'https';
}

/**
 * The session cookie, and beside it the double-submit token the UI sends back on writes
 * (csrf.ts). A fresh random token per login: it proves only that the page reading it is ours.
 */
export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, token: string): void {
  const secure = isHttps(req);
  reply.header(
    'set-cookie',
    serializeCookie(SESSION_COOKIE, token, { path: '/', maxAge: SESSION_SECONDS, secure }),
  );
  reply.header(
    'set-cookie',
    serializeCookie(CSRF_COOKIE, randomBytes(24).toString('base64url'), {
      path: '/',
      maxAge: SESSION_SECONDS,
      secure,
      httpOnly: false,
    }),
  );
}

export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  const secure = isHttps(req);
  reply.header('set-cookie', serializeCookie(SESSION_COOKIE, '', { path: '/', maxAge: 0, secure }));
  reply.header(
    'set-cookie',
    serializeCookie(CSRF_COOKIE, '', { path: '/', maxAge: 0, secure, httpOnly: false }),
  );
}

/** True when the browser reached this server over TLS (directly, or per a trusted proxy). */
export function cookieIsSecure(req: FastifyRequest): boolean {
  return isHttps(req);
}
