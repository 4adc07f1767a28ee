// Small key/value documents in Secrets and ConfigMaps of the control namespace, read and changed
// with optimistic concurrency: a write based on a stale read gets 409 and is redone on fresh data,
// so two server replicas never lose each other's changes.

import { PART_OF_LABEL } from '../../core/model/common.ts';
import type { KubeRest } from '../kube/rest.ts';

export type StoreKind = 'secrets' | 'configmaps';

export interface StoredDocument {
  data: Record<string, string>;
  resourceVersion: string;
  uid: string;
}

interface WireObject {
  metadata: { resourceVersion: string; uid: string };
  data?: Record<string, string>;
}

export function objectPath(namespace: string, kind: StoreKind, name?: string): string {
  const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}/${kind}`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}

export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

function decode(kind: StoreKind, data: Record<string, string> = {}): Record<string, string> {
  if (kind === 'configmaps') return { ...data };
  return Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
  );
}

function encode(kind: StoreKind, data: Record<string, string>): Record<string, string> {
  if (kind === 'configmaps') return data;
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
}

function toDocument(kind: StoreKind, object: WireObject): StoredDocument {
  return {
    data: decode(kind, object.data),
    resourceVersion: object.metadata.resourceVersion,
    uid: object.metadata.uid,
  };
}

/** The document, or undefined when it does not exist. */
export async function readDocument(
  rest: KubeRest,
  namespace: string,
  kind: StoreKind,
  name: string,
): Promise<StoredDocument | undefined> {
  try {
    return toDocument(kind, await rest.request<WireObject>('GET', objectPath(namespace, kind, name)));
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

function manifest(kind: StoreKind, namespace: string, name: string, data: Record<string, string>) {
  return {
    apiVersion: 'v1',
    kind: kind === 'secrets' ? 'Secret' : 'ConfigMap',
    ...(kind === 'secrets' ? { type: 'Opaque' } : {}),
    metadata: { name, namespace, labels: { ...PART_OF_LABEL } },
    data: encode(kind, data),
  };
}

/** Creates the document; false when it already exists (nothing is changed then). */
export async function createDocument(
  rest: KubeRest,
  namespace: string,
  kind: StoreKind,
  name: string,
  data: Record<string, string>,
): Promise<boolean> {
  try {
    await rest.request('POST', objectPath(namespace, kind), { body: manifest(kind, namespace, name, data) });
    return true;
  } catch (error) {
    if (statusOf(error) === 409) return false;
    throw error;
  }
}

const MAX_ATTEMPTS = 8;

/**
 * Applies `change` to the current data (an absent document counts as empty and is created) and
 * writes the result; redone on a conflict. Returns the document as written.
 */
export async function updateDocument(
  rest: KubeRest,
  namespace: string,
  kind: StoreKind,
  name: string,
  change: (data: Record<string, string>) => Record<string, string>,
): Promise<StoredDocument> {
  for (let attempt = 1; ; attempt++) {
    const current = await readDocument(rest, namespace, kind, name);
    const body = manifest(kind, namespace, name, change({ ...(current?.data ?? {}) }));
    try {
      const written = current
        ? await rest.request<WireObject>('PUT', objectPath(namespace, kind, name), {
            body: { ...body, metadata: { ...body.metadata, resourceVersion: current.resourceVersion } },
          })
        : await rest.request<WireObject>('POST', objectPath(namespace, kind), { body });
      return toDocument(kind, written);
    } catch (error) {
      if (statusOf(error) !== 409 || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
