import type { KubeObject } from '../manifest/object.ts';

/**
 * Safe reads from objects whose shape is not guaranteed: live objects come from API servers of
 * many versions and custom resources from anyone, so a health check must never throw on an
 * unexpected type; it reads "absent" instead.
 */
export type Fields = Record<string, unknown>;

export function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at the path, or undefined when any step is missing or not an object. */
export function valueAt(root: unknown, ...path: string[]): unknown {
  let current = root;
  for (const step of path) {
    if (!isFields(current)) return undefined;
    current = current[step];
  }
  return current;
}

export function fieldsAt(root: unknown, ...path: string[]): Fields {
  const value = valueAt(root, ...path);
  return isFields(value) ? value : {};
}

export function numberAt(root: unknown, ...path: string[]): number | undefined {
  const value = valueAt(root, ...path);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function stringAt(root: unknown, ...path: string[]): string | undefined {
  const value = valueAt(root, ...path);
  return typeof value === 'string' ? value : undefined;
}

export function listAt(root: unknown, ...path: string[]): unknown[] {
  const value = valueAt(root, ...path);
  return Array.isArray(value) ? value : [];
}

export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

/** The object's status.conditions that are well-formed enough to read. */
export function conditionsOf(source: KubeObject | unknown[]): Condition[] {
  const list = Array.isArray(source) ? source : listAt(source, 'status', 'conditions');
  return list.filter(isFields).flatMap((entry) =>
    typeof entry.type === 'string'
      ? [
          {
            type: entry.type,
            status: typeof entry.status === 'string' ? entry.status : '',
            reason: typeof entry.reason === 'string' ? entry.reason : '',
            message: typeof entry.message === 'string' ? entry.message : '',
          },
        ]
      : [],
  );
}

export function conditionOf(source: KubeObject | unknown[], type: string): Condition | undefined {
  return conditionsOf(source).find((condition) => condition.type === type);
}

/** spec.replicas, which the API server defaults to 1 when a manifest leaves it out. */
export function desiredReplicas(obj: KubeObject): number {
  return numberAt(obj, 'spec', 'replicas') ?? 1;
}
