// The state the auth routes share, built once by createAuthService.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KubeRest } from '../../adapters/kube/rest.ts';
import type { ApiTokenStore } from './api-tokens.ts';
import type { LoginThrottle } from './rate-limit.ts';
import type { PolicySource } from './rbac-source.ts';
import type { SessionRevocations } from './revocations.ts';
import type { AuditInput, Identity, RbacAction, RbacResource } from './types.ts';
import type { WorkGate } from './work-gate.ts';

export interface AuthContext {
  rest: KubeRest;
  namespace: string;
  signingKey: Buffer;
  now: () => number;
  log: (line: string) => void;
  tokens: ApiTokenStore;
  revocations: SessionRevocations;
  policy: PolicySource;
  loginLimiter: LoginThrottle;
  /** Bounds the password hashes computed at once (memory and CPU). */
  hashGate: WorkGate;
  groupsClaim: string;
  audit: (event: AuditInput) => void;
  authenticate: (req: FastifyRequest) => Promise<Identity | undefined>;
  enforce: (
    identity: Identity | undefined,
    resource: RbacResource,
    action: RbacAction,
    object: string,
  ) => Promise<boolean>;
}

/** The API's error shape: `{error}` with a message a person can act on. */
export function sendError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').send({ error: message });
}

export function nowSeconds(ctx: Pick<AuthContext, 'now'>): number {
  return Math.floor(ctx.now() / 1000);
}
