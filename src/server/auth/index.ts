// Authentication, authorization, API tokens, single sign-on and audit, as one service the API
// server creates at start-up and asks on every request.
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeRest } from '../../adapters/kube/rest.ts';
import { ensureAdminSecret, readAdminSecret } from '../../domain/accounts/admin-account.ts';
import { ApiTokenStore } from './api-tokens.ts';
import { createAuditLog } from './audit.ts';
import type { AuthContext } from './context.ts';
import { checkOidcOptions, registerOidcRoutes } from './oidc.ts';
import { LoginThrottle, type LoginThrottleOptions } from './rate-limit.ts';
import { PolicySource } from './rbac-source.ts';
import { SessionRevocations } from './revocations.ts';
import { registerSessionRoutes } from './routes-session.ts';
import { registerTokenRoutes } from './routes-tokens.ts';
import { identityFromToken, presentedToken } from './sessions.ts';
import type { AuthService, OidcOptions } from './types.ts';
import { WorkGate } from './work-gate.ts';

export {
  ADMIN_SECRET,
  ensureAdminAccount,
  INITIAL_ADMIN_SECRET,
} from '../../domain/accounts/admin-account.ts';
export { API_TOKENS_SECRET } from './api-tokens.ts';
export { type AuditEvent, recentAuditEvents } from './audit.ts';
export { RBAC_CONFIGMAP } from './rbac-source.ts';
export { REVOKED_SESSIONS_CONFIGMAP } from './revocations.ts';
export type { AuditInput, AuthService, Identity, OidcOptions, RbacAction, RbacResource } from './types.ts';
export { RBAC_ACTIONS, RBAC_RESOURCES } from './types.ts';

export interface AuthServiceOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  oidc?: OidcOptions;
  /** Where audit lines and policy problems go; default stdout. */
  log?: (line: string) => void;
  /** Clock in milliseconds, for tests that move time. */
  now?: () => number;
  /** Limits of login attempts (rate-limit.ts has the defaults). */
  loginLimits?: Omit<LoginThrottleOptions, 'now'>;
}

// Two hashes at once use 128 MiB; a burst beyond what waits is told to come back.
const HASHES_AT_ONCE = 2;
const HASHES_WAITING = 32;

export async function createAuthService(options: AuthServiceOptions): Promise<AuthService> {
  if (options.oidc) checkOidcOptions(options.oidc);
  const now = options.now ?? Date.now;
  const log = options.log ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const { namespace } = options;
  const rest = new KubeRest(options.kubeConfig);
  // Idempotent: the server can start before `tiphys install` has created the account.
  await ensureAdminSecret(rest, namespace);
  const { signingKey } = await readAdminSecret(rest, namespace);
  if (!signingKey) throw new Error(`Secret ${namespace}/tiphys-secret has no usable server.secretkey`);
  const groupsClaim = options.oidc?.groupsClaim ?? 'groups';

  const ctx: AuthContext = {
    rest,
    namespace,
    signingKey,
    now,
    log,
    tokens: new ApiTokenStore(rest, namespace, now),
    revocations: new SessionRevocations(rest, namespace, now),
    policy: new PolicySource({ rest, namespace, now, log }),
    loginLimiter: new LoginThrottle({ ...options.loginLimits, now }),
    hashGate: new WorkGate({ limit: HASHES_AT_ONCE, maxWaiting: HASHES_WAITING }),
    groupsClaim,
    audit: createAuditLog(log, now),
    async authenticate(req) {
      const token = presentedToken(req);
      if (!token) return undefined;
      try {
        return await identityFromToken(ctx, token);
      } catch (error) {
        // The revocation or token list could not be read: not logged in, rather than a guess.
        log(`auth: cannot check a token: ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
      }
    },
    async enforce(identity, resource, action, object) {
      try {
        const engine = await ctx.policy.engine();
        return await engine.allowed(identity, resource, action, object, groupsClaim);
      } catch (error) {
        // Fail closed: without a policy nothing is allowed.
        log(`rbac: denied for want of a policy: ${error instanceof Error ? error.message : String(error)}`);
        return false;
      }
    },
  };

  return {
    authenticate: ctx.authenticate,
    enforce: ctx.enforce,
    audit: ctx.audit,
    registerRoutes(app) {
      registerSessionRoutes(app, ctx);
      registerTokenRoutes(app, ctx);
      registerOidcRoutes(app, ctx, options.oidc);
    },
    close() {
      rest.close();
    },
  };
}
