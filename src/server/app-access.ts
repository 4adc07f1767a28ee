// Reads and writes of single Applications for the route handlers: reads from the informer
// (falling back to the API server for an app created a moment ago), writes through the domain's
// updateApplication (merge patches guarded by resourceVersion, retried on conflict), as the CLI's.
import type { FastifyRequest } from 'fastify';
import { KubeApiError } from '../adapters/kube/rest.ts';
import type { Application } from '../core/model/application.ts';
import { updateApplication } from '../domain/applications.ts';
import { authorize, identityOf, unauthenticated } from './access.ts';
import { projectOf } from './app-query.ts';
import type { RbacAction } from './auth/index.ts';
import { kubeGet, type ServerContext, tiphysResourcePath } from './context.ts';
import { notFound } from './http-error.ts';

export const appObject = (app: Application): string => `${projectOf(app)}/${app.metadata.name}`;

const missing = (ctx: ServerContext, name: string) =>
  notFound(`application "${name}" not found in namespace ${ctx.namespace}`);

/** The Application straight from the API server (for writes: the informer may lag). */
export async function fetchApp(ctx: ServerContext, name: string): Promise<Application> {
  try {
    return await kubeGet<Application>(ctx, tiphysResourcePath(ctx, 'applications', name));
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) throw missing(ctx, name);
    throw error;
  }
}

/**
 * Reads the app and checks the caller may act on it. An anonymous caller is turned away before
 * the API server is asked anything (so a missing app is a 401 to them, as an existing one is).
 * A known caller who may not even see the app gets the very answer a missing app gets (404,
 * same body), so names cannot be probed; one who may see it but not act gets a 403.
 */
export async function authorizedApp(
  ctx: ServerContext,
  req: FastifyRequest,
  name: string,
  action: RbacAction,
  options: { fresh?: boolean } = {},
) {
  const cached = ctx.apps.get(name);
  const identity = await identityOf(ctx.auth, req);
  if (!identity) {
    const object = cached ? appObject(cached) : `*/${name}`;
    if (!(await ctx.auth.enforce(undefined, 'applications', action, object))) {
      if (action !== 'get') ctx.auth.audit({ action, resource: 'applications', object, result: 'denied' });
      throw unauthenticated();
    }
  }
  const app = options.fresh || !cached ? await fetchApp(ctx, name) : cached;
  const object = appObject(app);
  if (identity && !(await ctx.auth.enforce(identity, 'applications', 'get', object))) {
    if (action !== 'get')
      ctx.auth.audit({ identity, action, resource: 'applications', object, result: 'denied' });
    throw missing(ctx, name);
  }
  return { app, identity: await authorize(ctx.auth, req, 'applications', action, object) };
}

/**
 * Read-compute-write retried on conflict (the domain's `updateApplication`): `change` returns
 * the merge patch, or undefined for nothing to write, and may throw an HttpError to refuse.
 */
export async function patchAppSafely(
  ctx: ServerContext,
  name: string,
  change: (app: Application) => Record<string, unknown> | undefined,
): Promise<Application> {
  return (await updateApplication(ctx, name, change)).after;
}
