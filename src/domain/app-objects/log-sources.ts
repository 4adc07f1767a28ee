// Which containers' logs one request reads: those of the app's Pods (appPods: below objects it
// owns, in namespaces its project permits), at most MAX_LOG_PODS Pods, narrowed to one container
// when asked. The API server and the CLI with a kubeconfig read the same set.
import type { Destination } from '../../adapters/control-plane/destination-registry.ts';
import type { ResourceKey } from '../../core/manifest/key.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import type { Application } from '../../core/model/application.ts';
import type { LogEntry, LogSource } from '../pod-logs.ts';
import { appPods } from './app-objects.ts';
import { type AppObjectsContext, liveObject } from './live-objects.ts';

/** Pods whose logs one request reads at most (the rest are named in a notice). */
export const MAX_LOG_PODS = 30;

/** A Pod's containers by name, init containers first (they run first), as the spec lists them. */
function namedContainers(pod: KubeObject | undefined): ContainerName[] {
  const spec = (pod?.spec ?? {}) as {
    containers?: { name?: unknown }[];
    initContainers?: { name?: unknown }[];
  };
  const named = (list: { name?: unknown }[] | undefined, init: boolean) =>
    (list ?? []).flatMap((c) => (typeof c.name === 'string' ? [{ name: c.name, init }] : []));
  return [...named(spec.initContainers, true), ...named(spec.containers, false)];
}

/** Without a choice, the regular containers (an init container's log is asked for by name). */
function containersOf(pod: KubeObject | undefined, wanted: string | undefined): string[] {
  return namedContainers(pod)
    .filter((c) => (wanted === undefined ? !c.init : c.name === wanted))
    .map((c) => c.name);
}

export interface ContainerName {
  name: string;
  init: boolean;
}

/** The containers a log may be asked for, Pod by Pod (what a logs viewer offers to choose). */
export interface PodContainers {
  pod: string;
  namespace: string;
  containers: ContainerName[];
}

/** The containers of the Pods one log request would read (same Pods, same checks, same cap). */
export async function appLogContainers(
  ctx: AppObjectsContext,
  app: Application,
  under?: ResourceKey,
): Promise<PodContainers[]> {
  const { destination, pods } = await appPods(ctx, app, under);
  const result: PodContainers[] = [];
  for (const pod of pods.slice(0, MAX_LOG_PODS)) {
    const live = await liveObject(destination, { kind: 'Pod', namespace: pod.namespace, name: pod.name });
    if (live) result.push({ pod: pod.name, namespace: pod.namespace, containers: namedContainers(live) });
  }
  return result;
}

export interface AppLogSources {
  destination: Destination;
  sources: LogSource[];
  /** What to tell the reader before any line: too many Pods, or none to read. */
  notices: LogEntry[];
}

export async function appLogSources(
  ctx: AppObjectsContext,
  app: Application,
  options: { under?: ResourceKey; container?: string },
): Promise<AppLogSources> {
  const { destination, pods } = await appPods(ctx, app, options.under);
  const sources: LogSource[] = [];
  for (const pod of pods.slice(0, MAX_LOG_PODS)) {
    const live = await liveObject(destination, { kind: 'Pod', namespace: pod.namespace, name: pod.name });
    const containers = containersOf(live, options.container);
    if (containers.length > 0) sources.push({ namespace: pod.namespace, pod: pod.name, containers });
  }
  const notices: LogEntry[] = [];
  if (pods.length > MAX_LOG_PODS) {
    notices.push({
      notice: `${pods.length} Pods: the logs of the first ${MAX_LOG_PODS} are shown; name a resource to see others`,
    });
  }
  if (sources.length === 0) {
    notices.push({
      notice: options.container
        ? `no Pod of the app has a container ${options.container}`
        : 'the app has no Pods',
    });
  }
  return { destination, sources, notices };
}
