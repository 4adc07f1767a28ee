// Reads and writes of Application resources for the `app` commands, with the errors a person
// reads: `application "x" not found in namespace tiphys` rather than the API server's wording.
// Each goes to the Tiphys API server when the context says so, else to the domain operations on
// the control cluster.
import type { Application } from '../../core/model/application.ts';
import {
  type ApplicationAccess,
  createApplication,
  getApplication,
  laggingReaderBackoff,
  listApplications,
  patchApplication,
  replaceApplication,
  updateApplication,
} from '../../domain/applications.ts';
import { ApplicationNotFoundError } from '../../domain/errors.ts';
import { apiStatus, type CommandContext } from '../kube-context.ts';
import { applyMergePatch } from './merge-patch.ts';

export { ApplicationNotFoundError as AppNotFoundError };

export function notFound(ctx: CommandContext, name: string): ApplicationNotFoundError {
  return new ApplicationNotFoundError(name, ctx.namespace);
}

/** The API server's path of the Applications, or of one and its subresource. */
export function appApiPath(name?: string, action?: string): string {
  const base = '/api/v1/applications';
  if (name === undefined) return base;
  return `${base}/${encodeURIComponent(name)}${action ? `/${action}` : ''}`;
}

export async function getApp(ctx: CommandContext, name: string): Promise<Application> {
  if (!ctx.api) return getApplication(ctx, name);
  try {
    return await ctx.api.get<Application>(appApiPath(name));
  } catch (error) {
    if (apiStatus(error) === 404 && !/could not find the requested/.test(String(error))) {
      throw notFound(ctx, name);
    }
    throw error;
  }
}

export async function listApps(ctx: CommandContext, labelSelector?: string): Promise<Application[]> {
  if (!ctx.api) return listApplications(ctx, labelSelector);
  const list = await ctx.api.get<{ items: Application[] }>(appApiPath(), { selector: labelSelector });
  return list.items;
}

export async function createApp(ctx: CommandContext, app: Application): Promise<Application> {
  if (ctx.api) return ctx.api.post<Application>(appApiPath(), app);
  return createApplication(ctx, app);
}

/** The body of the API server's PUT: what it replaces (spec, labels, annotations) and the version read. */
function replaceBody(app: Application) {
  const { name, labels, annotations, resourceVersion } = app.metadata;
  return { metadata: { name, labels, annotations, resourceVersion }, spec: app.spec };
}

export async function replaceApp(ctx: CommandContext, app: Application): Promise<Application> {
  if (ctx.api) return ctx.api.put<Application>(appApiPath(app.metadata.name), replaceBody(app));
  return replaceApplication(ctx, app);
}

/**
 * A JSON merge patch of the Application, guarded by `resourceVersion` when given. Through the
 * API server, which takes whole specs (PUT), only spec, labels and annotations can change.
 */
export async function patchApp(
  ctx: CommandContext,
  name: string,
  patch: Record<string, unknown>,
  resourceVersion?: string,
): Promise<Application> {
  if (ctx.api) return putPatched(ctx.api, await getApp(ctx, name), patch, resourceVersion);
  return patchApplication(ctx, name, patch, resourceVersion);
}

/**
 * Read-compute-write retried on conflict (the domain's updateApplication), through the API
 * server or on the control cluster. `change` may return undefined for "nothing to write".
 */
export function updateApp(
  ctx: CommandContext,
  name: string,
  change: Parameters<typeof updateApplication>[2],
): Promise<{ before: Application; after: Application; changed: boolean }> {
  if (!ctx.api) return updateApplication(ctx, name, change);
  const access: ApplicationAccess = {
    get: (app) => getApp(ctx, app),
    patch: (app, patch, resourceVersion) => patchApp(ctx, app, patch, resourceVersion),
    // The API server reads from its informer, which may not have the newest version yet.
    backoff: laggingReaderBackoff,
  };
  return updateApplication(access, name, change);
}

/** The merge patch applied to `current` and PUT; the API server has no PATCH. */
function putPatched(
  api: NonNullable<CommandContext['api']>,
  current: Application,
  patch: Record<string, unknown>,
  resourceVersion: string | undefined,
): Promise<Application> {
  const { metadata = {}, spec, ...rest } = patch as { metadata?: Record<string, unknown>; spec?: unknown };
  const { labels, annotations, ...otherMetadata } = metadata;
  if (Object.keys(rest).length > 0 || Object.keys(otherMetadata).length > 0) {
    // A caller's bug, not the user's: operations and finalizers have endpoints of their own.
    throw new Error(`the API server cannot apply this change: ${Object.keys({ ...rest, ...otherMetadata })}`);
  }
  const patched = applyMergePatch(current, { spec, metadata: { labels, annotations } }) as Application;
  patched.metadata.resourceVersion = resourceVersion;
  return api.put<Application>(appApiPath(current.metadata.name), replaceBody(patched));
}
