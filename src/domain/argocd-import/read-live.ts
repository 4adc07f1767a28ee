// Reading an Argo CD installation from its cluster: Applications, AppProjects, ApplicationSets,
// the labelled repository and cluster Secrets and argocd-rbac-cm of its namespace (Applications
// of every namespace with `allNamespaces`, for Argo CD's apps in any namespace).
import { apiStatus } from '../../adapters/control-plane/paths.ts';
import type { KubeRest } from '../../adapters/kube/rest.ts';
import { ARGOCD_RBAC_CONFIGMAP, ARGOCD_SECRET_TYPE_LABEL, type ArgoObject } from './plan-types.ts';

const argo = (namespace: string | undefined, plural: string) =>
  `/apis/argoproj.io/v1alpha1${namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${plural}`;

export async function readArgoInstallation(
  rest: KubeRest,
  namespace: string,
  options: { allNamespaces: boolean },
): Promise<ArgoObject[]> {
  const list = async (path: string, kind: string, apiVersion: string, query?: Record<string, string>) => {
    try {
      const answer = await rest.request<{ items: ArgoObject[] }>('GET', path, query ? { query } : {});
      // Lists leave kind and apiVersion off their items.
      return answer.items.map((item) => ({ ...item, kind, apiVersion }));
    } catch (error) {
      if (apiStatus(error) === 404 && /could not find the requested/.test(String(error))) {
        throw new Error(`the cluster serves no ${kind} of argoproj.io: is Argo CD installed there?`);
      }
      throw error;
    }
  };
  const av = 'argoproj.io/v1alpha1';
  const ns = encodeURIComponent(namespace);
  const [apps, projects, sets, secrets] = await Promise.all([
    list(argo(options.allNamespaces ? undefined : namespace, 'applications'), 'Application', av),
    list(argo(namespace, 'appprojects'), 'AppProject', av),
    // ApplicationSets came later to Argo CD: an installation without their CRD has none.
    list(argo(namespace, 'applicationsets'), 'ApplicationSet', av).catch((error: Error) => {
      if (/serves no/.test(error.message)) return [];
      throw error;
    }),
    list(`/api/v1/namespaces/${ns}/secrets`, 'Secret', 'v1', { labelSelector: ARGOCD_SECRET_TYPE_LABEL }),
  ]);
  const rbac = await rest
    .request<ArgoObject>('GET', `/api/v1/namespaces/${ns}/configmaps/${ARGOCD_RBAC_CONFIGMAP}`)
    .then((cm) => [{ ...cm, kind: 'ConfigMap', apiVersion: 'v1' }])
    .catch((error) => {
      if (apiStatus(error) === 404) return [];
      throw error;
    });
  return [...secrets, ...projects, ...rbac, ...apps, ...sets];
}
