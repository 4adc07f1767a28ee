// Where Tiphys's objects live in the control cluster's API, how to read an API error's status,
// and a read that rides out a busy API server: shared by every layer that talks to the control
// cluster with raw JSON calls.
import { setTimeout as sleep } from 'node:timers/promises';
import { TIPHYS_GROUP, TIPHYS_VERSION } from '../../core/model/common.ts';
import type { KubeRest } from '../kube/rest.ts';

/** Path of a Tiphys custom resource collection or object in a namespace. */
export function tiphysPath(namespace: string, plural: string, name?: string, subresource?: string): string {
  const base = `/apis/${TIPHYS_GROUP}/${TIPHYS_VERSION}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
  if (name === undefined) return base;
  return `${base}/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ''}`;
}

export function secretPath(namespace: string, name?: string): string {
  const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}

export const MERGE_PATCH = 'application/merge-patch+json';

/** The HTTP status of an API error, 0 when there was no answer, undefined for other errors. */
export function apiStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

const RETRIED_STATUSES = new Set([429, 503, 504]);

/**
 * A read from the control cluster, retried briefly when the API server says it is busy (429, or
 * 503 while a CRD's storage initialises): a GET has no effect, and a moment later it succeeds.
 */
export async function getWithRetry<T>(
  rest: KubeRest,
  path: string,
  query?: Record<string, string | undefined>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await rest.request<T>('GET', path, { query });
    } catch (error) {
      const status = apiStatus(error) ?? 0;
      if (!RETRIED_STATUSES.has(status) || attempt >= 4) throw error;
      await sleep(250 * attempt);
    }
  }
}
