// What every route group works with: the control cluster, the auth service, the Applications
// (an informer, read in memory), the destination clusters, and the render service.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { DestinationRegistry } from '../adapters/control-plane/destination-registry.ts';
import { getWithRetry } from '../adapters/control-plane/paths.ts';
import type { KubeRest } from '../adapters/kube/rest.ts';
import type { LuaValueRunner } from '../core/actions/catalog.ts';
import type { Application } from '../core/model/application.ts';
import type { AppEventHub } from './app-events.ts';
import type { AuthService } from './auth/index.ts';
import type { GetDecisionCache } from './decision-cache.ts';
import type { PipelineEventHub } from './pipeline-events.ts';
import type { RenderService } from './render-service.ts';

/** The read side of an ApplicationStore: what the server needs of the informer. */
export interface ApplicationSource {
  list(): Application[];
  get(name: string): Application | undefined;
  onChange(callback: (name: string, app: Application | undefined) => void): void;
}

/**
 * What the server uses of a controller running in the same process (`tiphys server
 * --with-controller`). An interface, so the server door does not import the controller door; the
 * composition root (src/main) hands the real one in.
 */
export interface EmbeddedController {
  /** Whether this replica leads, so a refresh it is asked for is acted on here. */
  readonly isActive: boolean;
  /** The controller's informer: the server reads Applications from it instead of a second one. */
  readonly apps: ApplicationSource;
  readonly metrics: { readonly registry: Registry };
  refresh(name: string): void;
  /** A push moved these apps: those whose folder changed are reconciled first. */
  refreshPushed(names: readonly string[]): void;
}

export interface ServerContext {
  kubeConfig: KubeConfig;
  namespace: string;
  /** Raw JSON calls to the control cluster, for every write. */
  rest: KubeRest;
  auth: AuthService;
  /** `get` decisions for lists and live updates, remembered briefly. */
  decisions: GetDecisionCache;
  apps: ApplicationSource;
  controller?: EmbeddedController;
  destinations: DestinationRegistry;
  renderer: RenderService;
  appEvents: AppEventHub;
  /** Pipeline changes for the live stream (the watch starts with the first stream). */
  pipelineEvents: PipelineEventHub;
  /** The sandboxed Lua VM of custom resource actions (a worker thread, started on first use). */
  lua: LuaValueRunner;
  log: (line: string) => void;
  /** Applications may use local repositories (the operator's --allow-local-repos). */
  allowLocalRepos?: boolean;
}

/** Path of a Tiphys custom resource collection or object in the control namespace. */
export function tiphysResourcePath(ctx: ServerContext, plural: string, name?: string): string {
  const base = `/apis/tiphys.dev/v1alpha1/namespaces/${encodeURIComponent(ctx.namespace)}/${plural}`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}

/** A read from the control cluster, retried briefly while the API server is busy. */
export async function kubeGet<T>(
  ctx: ServerContext,
  path: string,
  query?: Record<string, string | undefined>,
): Promise<T> {
  return getWithRetry<T>(ctx.rest, path, query);
}
