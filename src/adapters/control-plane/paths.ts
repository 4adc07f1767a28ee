// Where Tiphys's objects live in the control cluster's API, and how to read an API error's
// status: shared by every layer that talks to the control cluster with raw JSON calls.
import { TIPHYS_GROUP, TIPHYS_VERSION } from '../../core/model/common.ts';

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
