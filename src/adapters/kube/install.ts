// `tiphys install`: server-side applies the CRDs, the control namespace and the default AppProject
// to the cluster of a kubeconfig. Idempotent: applying the same objects again changes nothing.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiException,
  type KubernetesObject,
  KubernetesObjectApi,
  loadYaml,
  PatchStrategy,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { DEFAULT_CONTROL_NAMESPACE } from '../../core/model/common.ts';
import { controlPlaneObjects } from '../../core/model/control-plane.ts';
import { InstallError, loadKubeConfig } from './kubeconfig.ts';

// Where they lived first; the controller and the server import them from kubeconfig.ts, which
// does not load the client's typed API code this file needs.
export { InstallError, loadKubeConfig };

export const FIELD_MANAGER = 'tiphys';

export interface InstallOptions {
  /** A kubeconfig file; default: $KUBECONFIG, then ~/.kube/config, then the in-cluster account. */
  kubeconfigPath?: string;
  /** The control namespace; default `tiphys`. */
  namespace?: string;
  /** How long to wait for the CRDs to be served; default 60 s. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

export interface InstallResult {
  server: string;
  namespace: string;
  /** `kind/name` of every object applied, in order. */
  applied: string[];
}

const POLL_MS = 250;

export async function installTiphys(options: InstallOptions = {}): Promise<InstallResult> {
  const kc = loadKubeConfig(options.kubeconfigPath);
  const server = kc.getCurrentCluster()?.server ?? '';
  const namespace = options.namespace ?? DEFAULT_CONTROL_NAMESPACE;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const log = options.log ?? (() => {});
  const objects = controlPlaneObjects(namespace);
  const applied: string[] = [];
  const applyLogged = async (api: KubernetesObjectApi, object: KubernetesObject) => {
    await apply(api, object, server);
    const id = `${object.kind?.toLowerCase()}/${object.metadata?.name}`;
    applied.push(id);
    log(`${id} serverside-applied`);
  };

  const api = KubernetesObjectApi.makeApiClient(kc);
  await applyLogged(api, objects.namespace);
  for (const crd of objects.crds) await applyLogged(api, crd);
  for (const crd of objects.crds) await waitEstablished(api, crd.metadata.name, deadline, server);
  log('customresourcedefinitions established');
  // The API group only now exists: a fresh client, so discovery is not answered from a cache
  // filled before it did; retried because discovery can lag behind Established for a moment.
  await retryUntil(deadline, isNotYetServed, () =>
    applyLogged(KubernetesObjectApi.makeApiClient(kc), objects.defaultProject),
  );
  return { server, namespace, applied };
}

/** Server-side apply of one object, owned by the `tiphys` field manager. */
async function apply(api: KubernetesObjectApi, object: KubernetesObject, server: string): Promise<void> {
  try {
    await api.patch(
      toClientObject(object),
      undefined,
      undefined,
      FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    );
  } catch (error) {
    throw new InstallError(
      `cannot apply ${object.kind} ${object.metadata?.name} to ${server}: ${message(error)}`,
      { cause: error },
    );
  }
}

/**
 * The client serializes built-in kinds through its generated models, which read their own
 * property names (`x_kubernetes_preserve_unknown_fields`): a plain CRD object would lose its
 * `x-kubernetes-*` keys. Loading it the way the client loads YAML maps wire names onto the model.
 */
export function toClientObject<T extends KubernetesObject>(object: T): KubernetesObject {
  return loadYaml<KubernetesObject>(JSON.stringify(object));
}

async function waitEstablished(api: KubernetesObjectApi, name: string, deadline: number, server: string) {
  const header = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name },
  };
  for (;;) {
    const crd = await api.read<V1CustomResourceDefinition>(header).catch((error: unknown) => {
      throw new InstallError(
        `cannot read CustomResourceDefinition ${name} from ${server}: ${message(error)}`,
        {
          cause: error,
        },
      );
    });
    const conditions = crd.status?.conditions ?? [];
    if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) return;
    const rejected = conditions.find((c) => c.type === 'NamesAccepted' && c.status === 'False');
    if (rejected)
      throw new InstallError(`CustomResourceDefinition ${name} was not accepted: ${rejected.message}`);
    if (Date.now() > deadline) {
      throw new InstallError(`CustomResourceDefinition ${name} is not Established yet; gave up waiting`);
    }
    await sleep(POLL_MS);
  }
}

async function retryUntil(
  deadline: number,
  retryable: (error: unknown) => boolean,
  action: () => Promise<void>,
) {
  for (;;) {
    try {
      return await action();
    } catch (error) {
      if (!retryable(error) || Date.now() > deadline) throw error;
      await sleep(POLL_MS);
    }
  }
}

function isNotYetServed(error: unknown): boolean {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof ApiException) return cause.code === 404;
  // KubernetesObjectApi's own message when discovery does not list the kind yet.
  return cause instanceof Error && /Unrecognized API version and kind/.test(cause.message);
}

/** The API server's own explanation when there is one (a Status body), not the client's dump. */
function message(error: unknown): string {
  if (error instanceof ApiException)
    return `${statusMessage(error.body) || 'request failed'} (HTTP ${error.code})`;
  // fetch says only "fetch failed"; the reason (connect ECONNREFUSED …) is in its causes.
  const reasons: string[] = [];
  for (let e: unknown = error; e instanceof Error && reasons.length < 4; e = e.cause) reasons.push(e.message);
  return reasons.length > 0 ? reasons.join(': ') : String(error);
}

function statusMessage(body: unknown): string {
  if (typeof body !== 'string') return (body as { message?: string } | undefined)?.message ?? '';
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body;
  } catch {
    return body;
  }
}
