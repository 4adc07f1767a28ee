// App of apps written for Argo CD: `argoproj.io/v1alpha1` Applications in a render become Tiphys
// Applications before anything else sees them (namespacing, the project check, the dry run), so
// the controller, `tiphys app diff` and the API agree on what the parent deploys.
import type { KubeObject } from '../../core/manifest/object.ts';
import { RESOURCES_FINALIZER } from '../../core/model/application-markers.ts';
import {
  type ClusterAddress,
  fromArgoApplication,
  isArgoApplication,
} from '../../core/model/argocd-compat.ts';
import { listClusters } from '../clusters.ts';
import type { ControlPlane } from '../control-plane.ts';

export interface ArgoApplicationContext {
  /** The control namespace, where Tiphys Applications live. */
  namespace: string;
  /** The registered Clusters, read only when a render holds an Argo CD Application. */
  clusters: () => Promise<ClusterAddress[]>;
}

export async function convertArgoApplications(
  objects: KubeObject[],
  ctx: ArgoApplicationContext | undefined,
): Promise<KubeObject[]> {
  if (!ctx || !objects.some((o) => isArgoApplication(o))) return objects;
  const clusters = await ctx.clusters();
  return objects.map((o) =>
    isArgoApplication(o)
      ? (fromArgoApplication(o, {
          namespace: ctx.namespace,
          clusters,
          tiphysFinalizer: RESOURCES_FINALIZER,
        }) as KubeObject)
      : o,
  );
}

/** The context for a control plane: its namespace and its registered Clusters. */
export function argoApplicationContext(cp: ControlPlane): ArgoApplicationContext {
  return {
    namespace: cp.namespace,
    clusters: async () =>
      (await listClusters(cp)).map((c) => ({ name: c.metadata.name, server: c.spec.server })),
  };
}
