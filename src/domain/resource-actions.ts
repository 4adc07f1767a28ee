// Resource actions as an operation (docs/actions.md): list what a live object offers, and run
// one. The caller (the API server) decides first which object the person may act on; here the
// object is read afresh, checked again with the caller's rule (it may have changed since), and
// the action's patches are applied pinned to the version the action saw, so a change made
// meanwhile is a conflict rather than lost.
import { SETTINGS_CONFIGMAP } from '../adapters/health/health-settings.ts';
import type { ClusterClient } from '../adapters/kube/cluster-client.ts';
import { resourcePath } from '../adapters/kube/discovery.ts';
import { type ActionList, type LuaValueRunner, listActions, runAction } from '../core/actions/catalog.ts';
import { type ActionCustomizations, parseActionCustomizations } from '../core/actions/customizations.ts';
import { ActionInputError, type ActionParameter, ActionScriptError } from '../core/actions/types.ts';
import type { KubeObject } from '../core/manifest/object.ts';
import type { ControlPlane } from './control-plane.ts';
import { ConflictError, InvalidRequestError } from './errors.ts';

/** Field manager of the patches actions make, so `managedFields` says who changed what. */
export const ACTION_FIELD_MANAGER = 'tiphys-action';

/** An action that does not exist for the object, is disabled, or got bad parameters. */
export class ActionRequestError extends InvalidRequestError {
  override name = 'ActionRequestError';
}

/** A custom action's script failed or returned what Tiphys will not apply; nothing changed. */
export class ActionFailedError extends ConflictError {
  override name = 'ActionFailedError';
}

/** The custom actions of `tiphys-cm`, read now (an edit applies to the next request). */
export async function readActionCustomizations(cp: ControlPlane): Promise<ActionCustomizations> {
  try {
    const cm = await cp.rest.request<{ data?: Record<string, string> }>(
      'GET',
      `/api/v1/namespaces/${encodeURIComponent(cp.namespace)}/configmaps/${SETTINGS_CONFIGMAP}`,
    );
    return parseActionCustomizations(cm.data ?? {});
  } catch (error) {
    if ((error as { status?: number }).status === 404) return parseActionCustomizations({});
    throw error;
  }
}

export async function listResourceActions(
  cp: ControlPlane,
  obj: KubeObject,
  lua: LuaValueRunner,
): Promise<ActionList> {
  return listActions(obj, await readActionCustomizations(cp), lua);
}

export interface ActionRun {
  client: ClusterClient;
  /** The object the caller judged; it is read again before the action runs. */
  target: KubeObject;
  /** The caller's rule, applied to the fresh object too (still the app's, still permitted). */
  accept: (obj: KubeObject) => boolean;
  /** Whether the app's project permits an object the action creates there (namespace, kind). */
  permitsCreate: (obj: KubeObject) => boolean;
  action: string;
  params: readonly ActionParameter[];
  lua: LuaValueRunner;
  /** Raised when the object is gone or no longer acceptable: the caller's "not found". */
  gone: () => Error;
  now?: Date;
}

/**
 * Runs the action; resolves with whether the object changed and the object as it is now. A write
 * that lost to another (a controller updating the object's status bumps its resourceVersion) is
 * a 409: the object is read again and the action run on it again, a few times.
 */
export async function runResourceAction(
  cp: ControlPlane,
  run: ActionRun,
): Promise<{ changed: boolean; object: KubeObject }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runOnce(cp, run);
    } catch (error) {
      if ((error as { status?: number }).status !== 409 || attempt >= 5) throw error;
    }
  }
}

async function runOnce(cp: ControlPlane, run: ActionRun): Promise<{ changed: boolean; object: KubeObject }> {
  const fresh = await run.client.read(run.target);
  if (!fresh || fresh.metadata.uid !== run.target.metadata.uid || !run.accept(fresh)) throw run.gone();
  const customizations = await readActionCustomizations(cp);
  let change: Awaited<ReturnType<typeof runAction>>;
  try {
    change = await runAction(
      fresh,
      run.action,
      run.params,
      customizations,
      run.lua,
      (run.now ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z'),
    );
  } catch (error) {
    if (error instanceof ActionInputError) throw new ActionRequestError(error.message, { cause: error });
    if (error instanceof ActionScriptError) throw new ActionFailedError(error.message, { cause: error });
    throw error;
  }
  const info = await run.client.resourceInfo(fresh.apiVersion, fresh.kind);
  if (!info) throw run.gone();
  // Every object to create is checked before anything is written: one refused, nothing applied.
  const creates = await Promise.all((change.creates ?? []).map((obj) => createTarget(run, obj)));
  const path = resourcePath(info, fresh.metadata.namespace, fresh.metadata.name);
  let object = fresh;
  const patch = (target: string, body: Record<string, unknown>) =>
    run.client.rest.request<KubeObject>('PATCH', target, {
      body,
      contentType: 'application/merge-patch+json',
      query: { fieldManager: ACTION_FIELD_MANAGER },
    });
  if (change.patch) object = await patch(path, change.patch);
  if (change.statusPatch) {
    const body = { ...change.statusPatch, metadata: { resourceVersion: object.metadata.resourceVersion } };
    object = await patch(`${path}/status`, body);
  }
  for (const { obj, path: collection } of creates) {
    await run.client.rest.request<KubeObject>('POST', collection, {
      body: obj,
      query: { fieldManager: ACTION_FIELD_MANAGER },
    });
  }
  return { changed: Boolean(change.patch || change.statusPatch || creates.length > 0), object };
}

/** Where a created object goes, once its kind is known, namespaced, and permitted by the project. */
async function createTarget(run: ActionRun, obj: KubeObject): Promise<{ obj: KubeObject; path: string }> {
  const label = `${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name ?? obj.metadata.generateName ?? ''}`;
  const info = await run.client.resourceInfo(obj.apiVersion, obj.kind);
  if (!info)
    throw new ActionFailedError(
      `the action would create ${label}: ${obj.apiVersion} ${obj.kind} is not a kind of the cluster`,
    );
  if (!info.namespaced) {
    throw new ActionFailedError(
      `the action would create ${obj.kind} ${obj.metadata.name ?? ''}: a cluster-scoped kind; an action creates only namespaced objects`,
    );
  }
  if (!run.permitsCreate(obj)) {
    throw new ActionFailedError(`the action would create ${label}, which the app's project does not permit`);
  }
  return { obj, path: resourcePath(info, obj.metadata.namespace) };
}
