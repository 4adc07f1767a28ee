/**
 * The shape Tiphys relies on in any Kubernetes object. Everything beyond apiVersion, kind and
 * metadata stays `unknown`: objects come from users' repositories and from arbitrary CRDs, so
 * code that reads deeper must check what it finds.
 */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  generation?: number;
  resourceVersion?: string;
  uid?: string;
  deletionTimestamp?: string;
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** The annotation's value, or undefined when absent or not a string. */
export function annotationOf(obj: KubeObject, name: string): string | undefined {
  const value = obj.metadata.annotations?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** A copy of a Kubernetes object without managedFields: noise to a person, as in `kubectl get -o`. */
export function withoutManagedFields<T>(object: T): T {
  const meta = (object as { metadata?: Record<string, unknown> }).metadata;
  if (!meta || !('managedFields' in meta)) return object;
  const { managedFields: _dropped, ...metadata } = meta;
  return { ...object, metadata };
}
