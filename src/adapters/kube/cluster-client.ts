import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../core/manifest/object.ts';
import { Discovery, type ResourceInfo, resourcePath } from './discovery.ts';
import { KubeApiError, KubeRest } from './rest.ts';

export type { ResourceInfo } from './discovery.ts';
export { KubeApiError } from './rest.ts';

export const FIELD_MANAGER = 'tiphys';

/** Adds what was being done to an error, keeping its status (404, 409, …). */
export function asKubeApiError(error: unknown, what: string): KubeApiError {
  if (error instanceof KubeApiError) {
    return new KubeApiError(`${what}: ${error.message}`, error.status, error.reason, { cause: error });
  }
  const status = (error as { code?: number; statusCode?: number })?.code ?? 0;
  const message = error instanceof Error ? error.message : String(error);
  return new KubeApiError(`${what}: ${message}`, typeof status === 'number' ? status : 0, '', {
    cause: error,
  });
}

function describe(obj: KubeObject): string {
  const ns = obj.metadata?.namespace ? `${obj.metadata.namespace}/` : '';
  return `${obj.kind} ${ns}${obj.metadata?.name ?? obj.metadata?.generateName ?? ''}`;
}

export interface KubeList {
  metadata: { resourceVersion?: string };
  items: KubeObject[];
}

/**
 * The operations Tiphys performs on one cluster. Every write is a server-side apply (or, for
 * hooks and Replace, a create or replace) by the `tiphys` field manager.
 */
export class ClusterClient {
  readonly kubeConfig: KubeConfig;
  readonly rest: KubeRest;
  private readonly discovery: Discovery;

  constructor(kubeConfig: KubeConfig) {
    this.kubeConfig = kubeConfig;
    this.rest = new KubeRest(kubeConfig);
    this.discovery = new Discovery(this.rest);
  }

  get server(): string {
    return this.rest.server;
  }

  async serverVersion(): Promise<string> {
    const info = await this.rest.request<{ gitVersion: string }>('GET', '/version', { timeoutMs: 10_000 });
    return info.gitVersion;
  }

  resourceInfo(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    return this.discovery.resourceInfo(apiVersion, kind);
  }

  private async pathOf(obj: KubeObject, withName: boolean, what: string): Promise<string> {
    const info = await this.resourceInfo(obj.apiVersion, obj.kind).catch((error) => {
      throw asKubeApiError(error, `${what} of ${describe(obj)}`);
    });
    if (!info) {
      throw new KubeApiError(
        `${what} of ${describe(obj)}: the server does not serve ${obj.apiVersion} ${obj.kind}`,
        404,
        'NotFound',
      );
    }
    return resourcePath(info, obj.metadata.namespace, withName ? obj.metadata.name : undefined);
  }

  /** Server-side apply; with `dryRun` nothing is persisted and the would-be object is returned. */
  async apply(
    obj: KubeObject,
    options: { dryRun?: boolean; force?: boolean; validate?: boolean } = {},
  ): Promise<KubeObject> {
    const what = options.dryRun ? 'dry-run apply' : 'apply';
    const path = await this.pathOf(obj, true, what);
    try {
      return await this.rest.request<KubeObject>('PATCH', path, {
        query: {
          fieldManager: FIELD_MANAGER,
          force: String(options.force ?? true),
          dryRun: options.dryRun ? 'All' : undefined,
          // Like kubectl: unknown or duplicate fields are errors, unless Validate=false says not.
          fieldValidation: options.validate === false ? 'Ignore' : 'Strict',
        },
        body: obj,
        contentType: 'application/apply-patch+yaml',
      });
    } catch (error) {
      throw asKubeApiError(error, `${what} of ${describe(obj)}`);
    }
  }

  async create(obj: KubeObject, options: { dryRun?: boolean; validate?: boolean } = {}): Promise<KubeObject> {
    const path = await this.pathOf(obj, false, 'create');
    try {
      return await this.rest.request<KubeObject>('POST', path, {
        query: {
          fieldManager: FIELD_MANAGER,
          dryRun: options.dryRun ? 'All' : undefined,
          fieldValidation: options.validate === false ? 'Ignore' : undefined,
        },
        body: obj,
      });
    } catch (error) {
      throw asKubeApiError(error, `create of ${describe(obj)}`);
    }
  }

  async replace(
    obj: KubeObject,
    options: { dryRun?: boolean; validate?: boolean } = {},
  ): Promise<KubeObject> {
    const path = await this.pathOf(obj, true, 'replace');
    try {
      return await this.rest.request<KubeObject>('PUT', path, {
        query: {
          fieldManager: FIELD_MANAGER,
          dryRun: options.dryRun ? 'All' : undefined,
          fieldValidation: options.validate === false ? 'Ignore' : undefined,
        },
        body: obj,
      });
    } catch (error) {
      throw asKubeApiError(error, `replace of ${describe(obj)}`);
    }
  }

  /** The live object, or undefined when it does not exist (or its kind is not served). */
  async read(obj: KubeObject): Promise<KubeObject | undefined> {
    try {
      const path = await this.pathOf(obj, true, 'read');
      return await this.rest.request<KubeObject>('GET', path);
    } catch (error) {
      if ((error as KubeApiError).status === 404) return undefined;
      throw asKubeApiError(error, `read of ${describe(obj)}`);
    }
  }

  /**
   * Creates, or replaces at the live resourceVersion: the path for the Replace option, and for
   * Validate=false, since a server-side apply always refuses fields its schema does not declare.
   */
  async replaceOrCreate(
    obj: KubeObject,
    options: { dryRun?: boolean; validate?: boolean } = {},
  ): Promise<KubeObject> {
    const live = await this.read(obj);
    if (!live) return this.create(obj, options);
    const body = structuredClone(obj);
    body.metadata.resourceVersion = live.metadata.resourceVersion;
    return this.replace(body, options);
  }

  /**
   * Deletes (background propagation unless told otherwise); an object already gone is fine.
   * With `preconditions`, the server deletes only the object of that uid at that
   * resourceVersion, and answers 409 otherwise: what was checked is what gets deleted.
   */
  async delete(
    obj: KubeObject,
    options: {
      dryRun?: boolean;
      propagation?: string;
      preconditions?: { uid?: string; resourceVersion?: string };
    } = {},
  ): Promise<void> {
    try {
      const path = await this.pathOf(obj, true, 'delete');
      await this.rest.request('DELETE', path, {
        query: { dryRun: options.dryRun ? 'All' : undefined },
        body: {
          kind: 'DeleteOptions',
          apiVersion: 'v1',
          propagationPolicy: options.propagation ?? 'Background',
          ...(options.preconditions ? { preconditions: options.preconditions } : {}),
        },
      });
    } catch (error) {
      if ((error as KubeApiError).status === 404) return;
      throw asKubeApiError(error, `delete of ${describe(obj)}`);
    }
  }

  /** A list across all namespaces (or one), items completed with apiVersion and kind. */
  async list(info: ResourceInfo, namespace?: string, labelSelector?: string): Promise<KubeList> {
    try {
      const list = await this.rest.request<KubeList>('GET', resourcePath(info, namespace), {
        query: { labelSelector },
        timeoutMs: 120_000,
      });
      for (const item of list.items) {
        item.apiVersion = info.apiVersion;
        item.kind = info.kind;
      }
      return list;
    } catch (error) {
      throw asKubeApiError(error, `list of ${info.apiVersion} ${info.kind}`);
    }
  }
}
