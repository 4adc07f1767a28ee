// Argo CD's Application spec read as Tiphys's: the shapes are the same except the destination,
// which Argo CD names by API server URL (`server`) or cluster name (`name`) and Tiphys by the
// name of a registered Cluster. Used by ApplicationSet templates and by Argo CD Applications
// found in Git (app of apps).
import { IN_CLUSTER } from './common.ts';

export const ARGOCD_API_VERSION = 'argoproj.io/v1alpha1';
export const ARGOCD_RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
/** The address of "the cluster Argo CD runs in"; Tiphys's in-cluster. */
export const ARGOCD_IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

export interface ClusterAddress {
  name: string;
  server: string;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** The registered Cluster an Argo CD `destination.server` means, or undefined. */
export function clusterForServer(server: string, clusters: ClusterAddress[]): string | undefined {
  const wanted = trimSlash(server);
  const registered = clusters.find((c) => trimSlash(c.server) === wanted);
  if (registered) return registered.name;
  return wanted === ARGOCD_IN_CLUSTER_SERVER ? IN_CLUSTER : undefined;
}

/**
 * A spec with Argo CD's destination turned into Tiphys's (and Argo CD's informational `info`
 * dropped); any other field is kept, for the Application validation to judge. Returns the
 * problem instead when `server` names no registered Cluster.
 */
export function fromArgoSpec(
  spec: Record<string, unknown>,
  clusters: ClusterAddress[],
): { spec: Record<string, unknown> } | { problem: string } {
  const { info: _info, ...rest } = spec;
  const destination = rest.destination as Record<string, unknown> | undefined;
  if (!destination || typeof destination !== 'object') return { spec: rest };
  const { server, name, ...kept } = destination;
  if (typeof server === 'string' && server !== '') {
    const cluster = clusterForServer(server, clusters);
    if (!cluster)
      return { problem: `destination.server ${server} is not the server of any registered Cluster` };
    if (typeof kept.cluster === 'string' && kept.cluster !== cluster) {
      return { problem: `destination.server ${server} is Cluster ${cluster}, not ${kept.cluster}` };
    }
    kept.cluster = cluster;
  } else if (typeof name === 'string' && name !== '') {
    kept.cluster ??= name;
  }
  return { spec: { ...rest, destination: kept } };
}

/** Argo CD's cascade finalizer becomes Tiphys's; others are kept. */
export function fromArgoFinalizers(
  finalizers: string[] | undefined,
  tiphysFinalizer: string,
): string[] | undefined {
  if (!finalizers) return undefined;
  return [
    ...new Set(finalizers.map((f) => (f.startsWith(ARGOCD_RESOURCES_FINALIZER) ? tiphysFinalizer : f))),
  ];
}

/** An Argo CD Application found in a render that cannot become a Tiphys one; terminal. */
export class ArgoApplicationError extends Error {
  override name = 'ArgoApplicationError';
  readonly terminal = true;
}

interface RenderedObject {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown>;
  spec?: unknown;
  [field: string]: unknown;
}

export function isArgoApplication(obj: RenderedObject): boolean {
  return obj.apiVersion === ARGOCD_API_VERSION && obj.kind === 'Application';
}

/**
 * An Argo CD Application (app of apps written for Argo CD) as the Tiphys Application it means:
 * in the control namespace whatever namespace it named (Argo CD's `argocd`), its destination
 * server mapped to a registered Cluster, Argo CD's cascade finalizer mapped to Tiphys's.
 */
export function fromArgoApplication(
  obj: RenderedObject,
  ctx: { namespace: string; clusters: ClusterAddress[]; tiphysFinalizer: string },
): RenderedObject {
  const metadata = (obj.metadata ?? {}) as { name?: string; finalizers?: string[]; [k: string]: unknown };
  const spec = obj.spec;
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new ArgoApplicationError(
      `Argo CD Application ${metadata.name ?? '(no name)'}: spec must be an object`,
    );
  }
  const converted = fromArgoSpec(spec as Record<string, unknown>, ctx.clusters);
  if ('problem' in converted) {
    throw new ArgoApplicationError(
      `Argo CD Application ${metadata.name ?? '(no name)'}: ${converted.problem}`,
    );
  }
  const finalizers = fromArgoFinalizers(metadata.finalizers, ctx.tiphysFinalizer);
  const { status: _status, operation: _operation, ...rest } = obj;
  return {
    ...rest,
    apiVersion: 'tiphys.dev/v1alpha1',
    metadata: { ...metadata, namespace: ctx.namespace, ...(finalizers ? { finalizers } : {}) },
    spec: converted.spec,
  };
}
