// Resource actions on one object of an app (docs/actions.md): the object must be one the app
// tracks and its project permits (trackedLiveObject), and what an action creates must be
// permitted too. The API server calls these after its RBAC check and inside its audit; the CLI
// with a kubeconfig (the cluster's admin, like kubectl) calls them directly: same project checks.
import type { ActionList, LuaValueRunner } from '../../core/actions/catalog.ts';
import type { ActionParameter } from '../../core/actions/types.ts';
import { keyOf, type ResourceKey } from '../../core/manifest/key.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import type { Application } from '../../core/model/application.ts';
import { listResourceActions, runResourceAction } from '../resource-actions.ts';
import { noSuchResource, trackedLiveObject } from './app-objects.ts';
import type { AppObjectsContext } from './live-objects.ts';

export async function listAppResourceActions(
  ctx: AppObjectsContext,
  app: Application,
  key: ResourceKey,
  lua: LuaValueRunner,
): Promise<ActionList> {
  const { live } = await trackedLiveObject(ctx, app, key);
  return listResourceActions(ctx, live, lua);
}

export async function runAppResourceAction(
  ctx: AppObjectsContext,
  app: Application,
  request: { key: ResourceKey; action: string; params: readonly ActionParameter[]; lua: LuaValueRunner },
): Promise<{ changed: boolean; object: KubeObject }> {
  const { destination, live, visibility } = await trackedLiveObject(ctx, app, request.key);
  return runResourceAction(ctx, {
    client: destination.client,
    target: live,
    accept: (obj) => visibility.owns(obj),
    permitsCreate: (obj) => visibility.permits(keyOf(obj)),
    action: request.action,
    params: request.params,
    lua: request.lua,
    gone: () => noSuchResource(app),
  });
}
