import {
  ApiException,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  VersionApi,
} from '@kubernetes/client-node';
import type { KubeObject } from '../../core/manifest/object.ts';

export const FIELD_MANAGER = 'tiphys';

/** Where a kind lives in the API: its REST path segment and whether it is namespaced. */
export interface ResourceInfo {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

/** An API error with the status code and the server's message, the parts a condition shows. */
export class KubeApiError extends Error {
  override name = 'KubeApiError';
  readonly status: number;
  constructor(message: string, status: number, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
  }
}

/** Turns a client error into a KubeApiError with the server's own message (never the body). */
export function asKubeApiError(error: unknown, what: string): KubeApiError {
  if (error instanceof KubeApiError) return error;
  if (error instanceof ApiException) {
    let message = '';
    try {
      message = (JSON.parse(String(error.body)) as { message?: string }).message ?? '';
    } catch {
      message = String(error.body).slice(0, 300);
    }
    return new KubeApiError(`${what}: ${message || `HTTP ${error.code}`}`, error.code, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new KubeApiError(`${what}: ${message}`, 0, { cause: error });
}

function describe(obj: KubeObject | KubernetesObject): string {
  const ns = obj.metadata?.namespace ? `${obj.metadata.namespace}/` : '';
  return `${obj.kind} ${ns}${obj.metadata?.name ?? obj.metadata?.generateName ?? ''}`;
}

/**
 * The operations Tiphys performs on one cluster, on top of the official client. Everything that
 * writes uses server-side apply with the `tiphys` field manager.
 */
export class ClusterClient {
  readonly kubeConfig: KubeConfig;
  readonly objects: KubernetesObjectApi;
  private readonly resources = new Map<string, Promise<ResourceInfo | undefined>>();

  constructor(kubeConfig: KubeConfig) {
    this.kubeConfig = kubeConfig;
    this.objects = KubernetesObjectApi.makeApiClient(kubeConfig);
  }

  get server(): string {
    return this.kubeConfig.getCurrentCluster()?.server ?? '';
  }

  async serverVersion(): Promise<string> {
    const info = await this.kubeConfig.makeApiClient(VersionApi).getCode();
    return info.gitVersion;
  }

  /** Discovery of one kind (cached; a miss is retried next time, as a CRD may appear later). */
  async resourceInfo(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const id = `${apiVersion}/${kind}`;
    let pending = this.resources.get(id);
    if (!pending) {
      pending = this.discover(apiVersion, kind);
      this.resources.set(id, pending);
    }
    const info = await pending.catch((error) => {
      this.resources.delete(id);
      throw error;
    });
    if (!info) this.resources.delete(id);
    return info;
  }

  private async discover(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    // A fresh client each time: its own discovery cache would keep answering "unknown" for a kind
    // whose CRD was installed since.
    const api = KubernetesObjectApi.makeApiClient(this.kubeConfig) as unknown as {
      resource(apiVersion: string, kind: string): Promise<{ name: string; namespaced: boolean } | undefined>;
    };
    try {
      const resource = await api.resource(apiVersion, kind);
      return resource
        ? { apiVersion, kind, plural: resource.name, namespaced: resource.namespaced }
        : undefined;
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw asKubeApiError(error, `discovery of ${apiVersion} ${kind}`);
    }
  }

  /** Server-side apply; with `dryRun` nothing is persisted and the would-be object is returned. */
  async apply(obj: KubeObject, options: { dryRun?: boolean; force?: boolean } = {}): Promise<KubeObject> {
    try {
      return (await this.objects.patch(
        obj as KubernetesObject,
        undefined,
        options.dryRun ? 'All' : undefined,
        FIELD_MANAGER,
        options.force ?? true,
        PatchStrategy.ServerSideApply,
      )) as KubeObject;
    } catch (error) {
      throw asKubeApiError(error, `${options.dryRun ? 'dry-run apply' : 'apply'} of ${describe(obj)}`);
    }
  }

  /** Creates (for hooks with generateName and the Replace option's re-creation). */
  async create(obj: KubeObject, options: { dryRun?: boolean } = {}): Promise<KubeObject> {
    try {
      return (await this.objects.create(
        obj as KubernetesObject,
        undefined,
        options.dryRun ? 'All' : undefined,
        FIELD_MANAGER,
      )) as KubeObject;
    } catch (error) {
      throw asKubeApiError(error, `create of ${describe(obj)}`);
    }
  }

  async replace(obj: KubeObject): Promise<KubeObject> {
    try {
      return (await this.objects.replace(
        obj as KubernetesObject,
        undefined,
        undefined,
        FIELD_MANAGER,
      )) as KubeObject;
    } catch (error) {
      throw asKubeApiError(error, `replace of ${describe(obj)}`);
    }
  }

  async read(obj: KubeObject): Promise<KubeObject | undefined> {
    try {
      return (await this.objects.read(
        obj as KubernetesObject & { metadata: { name: string } },
      )) as KubeObject;
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw asKubeApiError(error, `read of ${describe(obj)}`);
    }
  }

  /** Deletes; background propagation so owned objects (ReplicaSets, Pods) go too. Gone is fine. */
  async delete(obj: KubeObject, options: { dryRun?: boolean; propagation?: string } = {}): Promise<void> {
    try {
      await this.objects.delete(
        obj as KubernetesObject,
        undefined,
        options.dryRun ? 'All' : undefined,
        undefined,
        undefined,
        options.propagation ?? 'Background',
      );
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return;
      throw asKubeApiError(error, `delete of ${describe(obj)}`);
    }
  }

  async list(
    apiVersion: string,
    kind: string,
    namespace?: string,
    labelSelector?: string,
  ): Promise<KubeObject[]> {
    try {
      const list = await this.objects.list(
        apiVersion,
        kind,
        namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        labelSelector,
      );
      return list.items.map((item) => ({ ...item, apiVersion, kind }) as KubeObject);
    } catch (error) {
      throw asKubeApiError(error, `list of ${apiVersion} ${kind}`);
    }
  }
}
