// Reads and writes of Application resources for the `app` commands, with the errors a person
// reads: `application "x" not found in namespace tiphys` rather than the API server's wording.
import type { Application } from '../../core/model/application.ts';
import { apiStatus, type CliContext, MERGE_PATCH, tiphysPath } from '../kube-context.ts';
import { CliError } from '../output.ts';

const PLURAL = 'applications';

export class AppNotFoundError extends CliError {
  override name = 'AppNotFoundError';
}

export function notFound(ctx: CliContext, name: string): AppNotFoundError {
  return new AppNotFoundError(`application "${name}" not found in namespace ${ctx.namespace}`);
}

export async function getApp(ctx: CliContext, name: string): Promise<Application> {
  try {
    return await ctx.rest.request<Application>('GET', tiphysPath(ctx.namespace, PLURAL, name));
  } catch (error) {
    if (apiStatus(error) === 404 && !/could not find the requested/.test(String(error))) {
      throw notFound(ctx, name);
    }
    throw error;
  }
}

export async function listApps(ctx: CliContext, labelSelector?: string): Promise<Application[]> {
  const list = await ctx.rest.request<{ items: Application[] }>('GET', tiphysPath(ctx.namespace, PLURAL), {
    query: { labelSelector },
  });
  return list.items;
}

export async function createApp(ctx: CliContext, app: Application): Promise<Application> {
  return ctx.rest.request<Application>('POST', tiphysPath(ctx.namespace, PLURAL), { body: app });
}

export async function replaceApp(ctx: CliContext, app: Application): Promise<Application> {
  return ctx.rest.request<Application>('PUT', tiphysPath(ctx.namespace, PLURAL, app.metadata.name), {
    body: app,
  });
}

/**
 * A JSON merge patch of the Application. With `resourceVersion` the write fails with 409 when the
 * object changed since it was read, instead of silently undoing someone else's change.
 */
export async function patchApp(
  ctx: CliContext,
  name: string,
  patch: Record<string, unknown>,
  resourceVersion?: string,
): Promise<Application> {
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
  ctx: CliContext,
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
    }
  }
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
