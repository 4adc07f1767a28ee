// Authentication, authorization and audit for the route handlers: one call at the top of each
// handler says who may do what to which object, and every write is audited with its outcome.
import type { FastifyRequest } from 'fastify';
import type { AuthService, Identity, RbacAction, RbacResource } from './auth/index.ts';
import type { GetDecisionCache } from './decision-cache.ts';
import { describeError, HttpError } from './http-error.ts';

// One authentication per request even when a handler checks several objects.
const identities = new WeakMap<FastifyRequest, Promise<Identity | undefined>>();

export function identityOf(auth: AuthService, req: FastifyRequest): Promise<Identity | undefined> {
  const known = identities.get(req);
  if (known) return known;
  const identity = auth.authenticate(req);
  identities.set(req, identity);
  return identity;
}

export function unauthenticated(): HttpError {
  return new HttpError(401, 'not logged in: POST /api/v1/session, or send Authorization: Bearer <token>');
}

export function forbidden(identity: Identity, resource: RbacResource, action: RbacAction, object: string) {
  return new HttpError(403, `${identity.subject} may not ${action} ${resource} ${object}`);
}

/**
 * Resolves with the caller when the policy lets them do `action` on `object`; else throws 401
 * for an anonymous caller (the default role does not allow it: logging in may) and 403 for a
 * known one. A refused write is audited as denied.
 */
export async function authorize(
  auth: AuthService,
  req: FastifyRequest,
  resource: RbacResource,
  action: RbacAction,
  object: string,
): Promise<Identity | undefined> {
  const identity = await identityOf(auth, req);
  if (await auth.enforce(identity, resource, action, object)) return identity;
  if (action !== 'get') auth.audit({ identity, action, resource, object, result: 'denied' });
  throw identity ? forbidden(identity, resource, action, object) : unauthenticated();
}

/**
 * For a list endpoint, before anything is read: an anonymous caller lists only when the default
 * role may get every object of the kind (asked with a wildcard object: `*`, or for applications
 * a wildcard project and app); otherwise 401, since logging in is what would help.
 */
export async function authorizeList(
  auth: AuthService,
  req: FastifyRequest,
  resource: RbacResource,
  probe = '*',
): Promise<Identity | undefined> {
  const identity = await identityOf(auth, req);
  if (!identity && !(await auth.enforce(undefined, resource, 'get', probe))) throw unauthenticated();
  return identity;
}

/** The items the caller may `get`. */
export async function filterAllowed<T>(
  decisions: GetDecisionCache,
  identity: Identity | undefined,
  resource: RbacResource,
  items: readonly T[],
  objectOf: (item: T) => string,
): Promise<T[]> {
  return decisions.filter(identity, resource, items, objectOf);
}

/** Runs a write and audits it: success, or error with the message the caller gets. */
export async function audited<T>(
  auth: AuthService,
  event: { identity: Identity | undefined; action: string; resource: RbacResource; object: string },
  write: () => Promise<T>,
): Promise<T> {
  try {
    const result = await write();
    auth.audit({ ...event, result: 'success' });
    return result;
  } catch (error) {
    auth.audit({ ...event, result: 'error', message: describeError(error).message });
    throw error;
  }
}
