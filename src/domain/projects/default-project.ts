// The `default` AppProject that new Applications fall into. `tiphys install` applies it with the
// CRDs; an installation from manifests (`kubectl apply -k deploy/install`) cannot ship it, since
// the AppProject kind is not served yet when the same apply creates its CRD, so the API server
// creates it when it starts, as Argo CD's does.
import type { KubeConfig } from '@kubernetes/client-node';
import { statusOf } from '../../adapters/control-plane/document-store.ts';
import { KubeRest } from '../../adapters/kube/rest.ts';
import { defaultAppProject } from '../../core/model/app-project.ts';

/** Creates the `default` AppProject when it is missing; an existing one is left as it is. */
export async function ensureDefaultProject(
  kubeConfig: KubeConfig,
  namespace: string,
): Promise<{ created: boolean }> {
  const rest = new KubeRest(kubeConfig);
  const project = defaultAppProject(namespace);
  const path = `/apis/tiphys.dev/v1alpha1/namespaces/${encodeURIComponent(namespace)}/appprojects`;
  try {
    await rest.request('POST', path, { body: project });
    return { created: true };
  } catch (error) {
    if (statusOf(error) === 409) return { created: false };
    throw error;
  } finally {
    rest.close();
  }
}
