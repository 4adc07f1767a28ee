// POST /api/v1/session (log in with the local admin password), DELETE /api/v1/session (log out),
// GET /api/v1/session/userinfo.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { readAdminSecret } from '../../domain/accounts/admin-account.ts';
import { verifyPassword } from '../../domain/accounts/password.ts';
import { type AuthContext, sendError } from './context.ts';
import { ADMIN_USER } from './rbac-policy.ts';
import {
  clearSessionCookie,
  issueSession,
  presentedToken,
  revokeSession,
  setSessionCookie,
} from './sessions.ts';
import { maskTokens } from './signed-token.ts';

const MAX_FIELD = 1024;

/** A failure of the control cluster, not of the caller: 503 with the reason, tokens masked. */
export function unavailable(reply: FastifyReply, what: string, error: unknown): FastifyReply {
  const reason = maskTokens(error instanceof Error ? error.message : String(error));
  return sendError(reply, 503, `${what}: the control cluster did not answer as expected: ${reason}`);
}

export function registerSessionRoutes(app: FastifyInstance, ctx: AuthContext): void {
  app.post('/api/v1/session', async (req, reply) => {
    const body = (req.body ?? {}) as { username?: unknown; password?: unknown };
    const { username, password } = body;
    if (typeof username !== 'string' || typeof password !== 'string' || username === '' || password === '') {
      return sendError(reply, 400, 'username and password are required (JSON strings)');
    }
    if (username.length > MAX_FIELD || password.length > MAX_FIELD) {
      return sendError(reply, 400, `username and password are limited to ${MAX_FIELD} characters`);
    }
    // Only a known account name goes to the audit log: a password typed into the wrong field must not.
    const who = username === ADMIN_USER ? username : '(unknown user)';
    const retryMs = ctx.loginLimiter.retryAfterMs(username);
    if (retryMs > 0) {
      const seconds = Math.ceil(retryMs / 1000);
      ctx.audit({
        action: 'login',
        resource: 'session',
        object: who,
        result: 'denied',
        message: 'rate limited',
      });
      reply.header('retry-after', String(seconds));
      return sendError(reply, 429, `too many failed logins for this user; try again in ${seconds} s`);
    }
    let passwordHash: string | undefined;
    try {
      passwordHash = (await readAdminSecret(ctx.rest, ctx.namespace)).passwordHash;
    } catch (error) {
      return unavailable(reply, 'cannot check the password', error);
    }
    // The hash is checked even for unknown names, so the timing does not tell which names exist.
    const valid = await verifyPassword(password, username === ADMIN_USER ? passwordHash : undefined);
    if (!valid) {
      ctx.loginLimiter.recordFailure(username);
      ctx.audit({
        action: 'login',
        resource: 'session',
        object: who,
        result: 'denied',
        message: 'bad credentials',
      });
      return sendError(reply, 401, 'invalid username or password');
    }
    ctx.loginLimiter.recordSuccess(username);
    const { token } = issueSession(ctx, username, [], 'local');
    setSessionCookie(req, reply, token);
    ctx.audit({
      identity: { subject: username, groups: [], kind: 'local' },
      action: 'login',
      resource: 'session',
      object: username,
      result: 'success',
    });
    return reply.header('cache-control', 'no-store').send({ token });
  });

  app.delete('/api/v1/session', async (req, reply) => {
    const identity = await ctx.authenticate(req);
    const token = presentedToken(req);
    try {
      if (token) await revokeSession(ctx, token);
    } catch (error) {
      return unavailable(reply, 'cannot revoke the session', error);
    }
    clearSessionCookie(req, reply);
    if (identity) {
      ctx.audit({
        identity,
        action: 'logout',
        resource: 'session',
        object: identity.subject,
        result: 'success',
      });
    }
    return reply.header('cache-control', 'no-store').send({});
  });

  app.get('/api/v1/session/userinfo', async (req, reply) => {
    const identity = await ctx.authenticate(req);
    reply.header('cache-control', 'no-store');
    if (!identity) return reply.send({ loggedIn: false });
    return reply.send({ loggedIn: true, username: identity.subject, groups: identity.groups });
  });
}
