// Reads and writes of Application resources for the `app` commands, with the errors a person
// reads: `application "x" not found in namespace tiphys` rather than the API server's wording.
// Each goes to the control cluster, or to the Tiphys API server when the context says so.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Application } from '../../core/model/application.ts';
import { apiStatus, type CliContext, type CommandContext, MERGE_PATCH, tiphysPath } from '../kube-context.ts';
import { CliError } from '../output.ts';
import { applyMergePatch } from './merge-patch.ts';

const PLURAL = 'applications';

export class AppNotFoundError extends CliError {
  override name = 'AppNotFoundError';
}

export function notFound(ctx: CommandContext, name: string): AppNotFoundError {
  return new AppNotFoundError(`application "${name}" not found in namespace ${ctx.namespace}`);
}

/** The API server's path of the Applications, or of one and its subresource. */
export function appApiPath(name?: string, action?: string): string {
  const base = '/api/v1/applications';
  if (name === undefined) return base;
  return `${base}/${encodeURIComponent(name)}${action ? `/${action}` : ''}`;
}

export async function getApp(ctx: CommandContext, name: string): Promise<Application> {
  try {
    if (ctx.api) return await ctx.api.get<Application>(appApiPath(name));
    return await ctx.rest.request<Application>('GET', tiphysPath(ctx.namespace, PLURAL, name));
  } catch (error) {
    if (apiStatus(error) === 404 && !/could not find the requested/.test(String(error))) {
      throw notFound(ctx, name);
    }
    throw error;
  }
}

export async function listApps(ctx: CommandContext, labelSelector?: string): Promise<Application[]> {
  if (ctx.api) {
    const list = await ctx.api.get<{ items: Application[] }>(appApiPath(), { selector: labelSelector });
    return list.items;
  }
  const list = await ctx.rest.request<{ items: Application[] }>('GET', tiphysPath(ctx.namespace, PLURAL), {
    query: { labelSelector },
  });
  return list.items;
}

export async function createApp(ctx: CommandContext, app: Application): Promise<Application> {
  if (ctx.api) return ctx.api.post<Application>(appApiPath(), app);
  return ctx.rest.request<Application>('POST', tiphysPath(ctx.namespace, PLURAL), { body: app });
}

/** The body of the API server's PUT: what it replaces (spec, labels, annotations) and the version read. */
function replaceBody(app: Application) {
  const { name, labels, annotations, resourceVersion } = app.metadata;
  return { metadata: { name, labels, annotations, resourceVersion }, spec: app.spec };
}

export async function replaceApp(ctx: CommandContext, app: Application): Promise<Application> {
  if (ctx.api) return ctx.api.put<Application>(appApiPath(app.metadata.name), replaceBody(app));
  return ctx.rest.request<Application>('PUT', tiphysPath(ctx.namespace, PLURAL, app.metadata.name), {
    body: app,
  });
}

/**
 * A JSON merge patch of the Application. With `resourceVersion` the write fails with 409 when the
 * object changed since it was read, instead of silently undoing someone else's change. Through
 * the API server, which takes whole specs (PUT), only spec, labels and annotations can change.
 */
export async function patchApp(
  ctx: CommandContext,
  name: string,
  patch: Record<string, unknown>,
  resourceVersion?: string,
): Promise<Application> {
  if (ctx.api) return putPatched(ctx.api, await getApp(ctx, name), patch, resourceVersion);
  const body = resourceVersion
    ? { ...patch, metadata: { ...(patch.metadata as object | undefined), resourceVersion } }
    : patch;
  try {
    return await ctx.rest.request<Application>('PATCH', tiphysPath(ctx.namespace, PLURAL, name), {
      body,
      contentType: MERGE_PATCH,
    });
  } catch (error) {
    if (apiStatus(error) === 404) throw notFound(ctx, name);
    throw error;
  }
}

const CONFLICT_RETRIES = 5;

/**
 * Reads the Application, lets `change` compute a patch from it, and writes that patch only if
 * the Application is unchanged since the read. The controller writes status all the time and
 * every write moves resourceVersion, so a conflict is normal: read again and recompute, as
 * client-go's RetryOnConflict does. `change` may return undefined for "nothing to write".
 */
export async function updateApp(
  ctx: CommandContext,
  name: string,
  change: (app: Application) => Record<string, unknown> | undefined,
): Promise<{ before: Application; after: Application; changed: boolean }> {
  for (let attempt = 1; ; attempt++) {
    const before = await getApp(ctx, name);
    const patch = change(before);
    if (patch === undefined) return { before, after: before, changed: false };
    try {
      const after = await patchApp(ctx, name, patch, before.metadata.resourceVersion);
      return { before, after, changed: true };
    } catch (error) {
      if (apiStatus(error) !== 409) throw error;
      if (attempt >= CONFLICT_RETRIES) {
        throw new CliError(`application "${name}" kept changing while being updated; run the command again`);
      }
      // The API server reads from its informer, which may not have the newest version yet.
      if (ctx.api) await sleep(200 * attempt);
    }
  }
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

export async function deleteApp(ctx: CliContext, name: string): Promise<void> {
  try {
    await ctx.rest.request('DELETE', tiphysPath(ctx.namespace, PLURAL, name));
  } catch (error) {
    if (apiStatus(error) === 404) throw notFound(ctx, name);
    throw error;
  }
}

/** The operation a previous command left and the controller has not finished yet, if any. */
export function refuseWhenOperationPending(app: Application): void {
  if (app.operation) {
    throw new CliError(
      `another operation is already in progress on application "${app.metadata.name}"; wait for it (tiphys app wait ${app.metadata.name} --operation)`,
    );
  }
}
