import type { KubeRest } from './rest.ts';

/** Where a kind lives in the API: its REST path segment and whether it is namespaced. */
export interface ResourceInfo {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

interface ApiResourceList {
  resources: { name: string; kind: string; namespaced: boolean; verbs?: string[] }[];
}

/**
 * Discovery of the kinds one API server serves, per group version, cached. A miss is looked up
 * again (at most every few seconds): a CRD applied since may now serve the kind.
 */
export class Discovery {
  private readonly rest: KubeRest;
  private readonly groups = new Map<string, { at: number; kinds: Promise<Map<string, ResourceInfo>> }>();

  constructor(rest: KubeRest) {
    this.rest = rest;
  }

  async resourceInfo(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const found = (await this.groupVersion(apiVersion, false)).get(kind);
    if (found) return found;
    return (await this.groupVersion(apiVersion, true)).get(kind);
  }

  private groupVersion(apiVersion: string, refresh: boolean): Promise<Map<string, ResourceInfo>> {
    const cached = this.groups.get(apiVersion);
    if (cached && (!refresh || Date.now() - cached.at < 2_000)) return cached.kinds;
    const kinds = this.load(apiVersion);
    this.groups.set(apiVersion, { at: Date.now(), kinds });
    kinds.catch(() => this.groups.delete(apiVersion));
    return kinds;
  }

  private async load(apiVersion: string): Promise<Map<string, ResourceInfo>> {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const kinds = new Map<string, ResourceInfo>();
    try {
      const list = await this.rest.request<ApiResourceList>('GET', path);
      for (const resource of list.resources) {
        if (resource.name.includes('/')) continue; // subresources such as deployments/scale
        kinds.set(resource.kind, {
          apiVersion,
          kind: resource.kind,
          plural: resource.name,
          namespaced: resource.namespaced,
        });
      }
    } catch (error) {
      if ((error as { status?: number }).status !== 404) throw error;
    }
    return kinds;
  }
}

/** The REST path of a collection or, with a name, of one object. */
export function resourcePath(info: ResourceInfo, namespace: string | undefined, name?: string): string {
  const base = info.apiVersion.includes('/') ? `/apis/${info.apiVersion}` : `/api/${info.apiVersion}`;
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${info.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}
