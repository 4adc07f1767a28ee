import type { KubeObject } from './object.ts';

/**
 * Identifies one object in a cluster independently of its API version, so that the same
 * Deployment read as apps/v1 or written as apps/v1beta2 is the same resource. Namespace is ''
 * for cluster-scoped objects; group is '' for the core API group.
 */
export interface ResourceKey {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

/** 'v1' → '', 'apps/v1' → 'apps'. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** 'v1' → 'v1', 'apps/v1' → 'v1'. */
export function versionOf(apiVersion: string): string {
  return apiVersion.slice(apiVersion.indexOf('/') + 1);
}

/** The key of an object; an object with only generateName has name ''. */
export function keyOf(obj: KubeObject): ResourceKey {
  return {
    group: groupOf(obj.apiVersion),
    kind: obj.kind,
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name ?? '',
  };
}

/** `group/kind/namespace/name`, e.g. `apps/Deployment/web/frontend` or `/Namespace//web`. */
export function formatKey(key: ResourceKey): string {
  return `${key.group}/${key.kind}/${key.namespace}/${key.name}`;
}

/**
 * The inverse of formatKey, or null when the text is not a key. None of the four parts can
 * contain '/' in Kubernetes, so exactly four parts are expected; names may contain ':' (RBAC).
 */
export function parseKey(text: string): ResourceKey | null {
  const parts = text.split('/');
  if (parts.length !== 4) return null;
  const [group, kind, namespace, name] = parts;
  if (kind === '' || name === '') return null;
  return { group, kind, namespace, name };
}

export function sameKey(a: ResourceKey, b: ResourceKey): boolean {
  return a.group === b.group && a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;
}

/** `group/kind`, the form health checks and other per-kind tables are keyed by. */
export function groupKindOf(obj: KubeObject): string {
  return `${groupOf(obj.apiVersion)}/${obj.kind}`;
}
