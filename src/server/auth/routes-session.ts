// POST /api/v1/session (log in with the local admin password), DELETE /api/v1/session (log out),
// GET /api/v1/session/userinfo.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { readAdminSecret, replaceAdminPasswordHash } from '../../domain/accounts/admin-account.ts';
import { checkPassword, hashPassword, type PasswordCheck } from '../../domain/accounts/password.ts';
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
import { GateFullError } from './work-gate.ts';

const MAX_FIELD = 1024;

/** A failure of the control cluster, not of the caller: 503 with the reason, tokens masked. */
export function unavailable(reply: FastifyReply, what: string, error: unknown): FastifyReply {
  const reason = maskTokens(error instanceof Error ? error.message : String(error));
  return sendError(reply, 503, `${what}: the control cluster did not answer as expected: ${reason}`);
}

/**
 * A password stored with weaker scrypt parameters than today's is hashed again now that it is
 * known; a failure only means the upgrade waits for the next login.
 */
async function upgradeHash(ctx: AuthContext, password: string, oldHash: string): Promise<void> {
  try {
    const newHash = await ctx.hashGate.run(() => hashPassword(password));
    await replaceAdminPasswordHash(ctx.rest, ctx.namespace, oldHash, newHash);
  } catch (error) {
    ctx.log(
      `login: the password hash was not upgraded: ${error instanceof Error ? maskTokens(error.message) : String(error)}`,
    );
  }
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
    const refuse = (status: number, message: string, auditMessage: string) => {
      ctx.audit({
        action: 'login',
        resource: 'session',
        object: who,
        result: 'denied',
        message: auditMessage,
      });
      return sendError(reply, status, message);
    };
    // Counted before the hash is checked, so parallel guesses cannot outrun the count.
    const admission = ctx.loginLimiter.admit(username, req.ip);
    if (!admission.admitted) {
      const seconds = Math.ceil(admission.retryAfterMs / 1000);
      reply.header('retry-after', String(seconds));
      const whose = admission.by === 'username' ? 'this user' : 'this client address';
      return refuse(429, `too many failed logins for ${whose}; try again in ${seconds} s`, 'rate limited');
    }
    const { ticket } = admission;
    let passwordHash: string | undefined;
    let check: PasswordCheck;
    try {
      passwordHash = (await readAdminSecret(ctx.rest, ctx.namespace)).passwordHash;
      // The hash is checked even for unknown names, so the timing does not tell which names exist.
      check = await ctx.hashGate.run(() =>
        checkPassword(password, username === ADMIN_USER ? passwordHash : undefined),
      );
    } catch (error) {
      // Neither a failure nor a success of the caller's: the place is given back.
      ctx.loginLimiter.abandoned(ticket);
      if (error instanceof GateFullError) {
        reply.header('retry-after', '1');
        return refuse(503, 'too many logins in progress; try again in a moment', 'login queue full');
      }
      return unavailable(reply, 'cannot check the password', error);
    }
    if (!check.valid) {
      ctx.loginLimiter.failed(ticket);
      return refuse(401, 'invalid username or password', 'bad credentials');
    }
    ctx.loginLimiter.succeeded(ticket);
    if (check.outdated && passwordHash) await upgradeHash(ctx, password, passwordHash);
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
