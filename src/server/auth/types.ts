// The shapes the API server sees of authentication and authorization; the implementation is
// spread over this folder and wired in index.ts.
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface Identity {
  subject: string;
  groups: string[];
  kind: 'local' | 'sso' | 'token';
  tokenId?: string;
  /** When the presented session or token stops being valid (seconds since the epoch). */
  expiresAt?: number;
}

export const RBAC_RESOURCES = [
  'applications',
  'applicationsets',
  'projects',
  'clusters',
  'repositories',
  'accounts',
  'pipelines',
] as const;
export type RbacResource = (typeof RBAC_RESOURCES)[number];
export const RBAC_ACTIONS = ['get', 'create', 'update', 'delete', 'sync', 'override', 'approve'] as const;
/**
 * The fixed actions (`approve` is on `pipelines`, object `PROJECT/PIPELINE/STAGE`: a promotion
 * approval is a right of its own, which `sync` on the stage's apps does not give), plus `logs` (read an app's Pod logs) and `action/<group>/<kind>/<name>`
 * (run a resource action, docs/actions.md), both on the `applications` resource as in Argo CD.
 */
export type RbacAction = (typeof RBAC_ACTIONS)[number] | 'logs' | `action/${string}`;

export interface AuditInput {
  identity?: Identity;
  action: string;
  resource: string;
  object: string;
  result: 'success' | 'denied' | 'error';
  message?: string;
}

export interface AuthService {
  /** Identity from the `tiphys.token` cookie or `Authorization: Bearer`; undefined when anonymous or invalid/expired/revoked. */
  authenticate(req: FastifyRequest): Promise<Identity | undefined>;
  /** Casbin decision; anonymous gets the default role only when the policy enables anonymous access. */
  enforce(
    identity: Identity | undefined,
    resource: RbacResource,
    action: RbacAction,
    object: string,
  ): Promise<boolean>;
  /** Registers /api/v1/session (POST login, DELETE logout, GET userinfo), /auth/login, /auth/callback, /api/v1/account/tokens. */
  registerRoutes(app: FastifyInstance): void;
  /** Records an audit event (who, what, when, result) — also used by the API server for every write. */
  audit(event: AuditInput): void;
  /** Releases the connection to the API server (idle sockets never keep the process alive anyway). */
  close(): void;
}

export interface OidcOptions {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  redirectUrl: string;
  /** Claim holding the user's groups; default `groups`. */
  groupsClaim?: string;
  /** Scopes requested; `openid` is always added. Default `openid profile email`. */
  scopes?: string[];
}
