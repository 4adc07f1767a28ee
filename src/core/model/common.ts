// Shared building blocks of the Tiphys resource schemas. Each schema is written once with
// TypeBox: `Static<typeof X>` gives the TypeScript type, the schema object itself is JSON Schema
// that `crd.ts` turns into the CRDs and `validate.ts` checks values against.
import { type Static, type TEnum, type TObject, type TProperties, Type } from 'typebox';

export const TIPHYS_GROUP = 'tiphys.dev';
export const TIPHYS_VERSION = 'v1alpha1';
export const API_VERSION = `${TIPHYS_GROUP}/${TIPHYS_VERSION}` as const;
export type ApiVersion = typeof API_VERSION;

/** The namespace Tiphys's own resources live in unless told otherwise. */
export const DEFAULT_CONTROL_NAMESPACE = 'tiphys';
/** The Cluster name that means "the cluster Tiphys itself runs in" (no Cluster resource needed). */
export const IN_CLUSTER = 'in-cluster';
/** The AppProject every Application belongs to unless it names another one. */
export const DEFAULT_PROJECT = 'default';

/** Label on everything `tiphys install` and deploy/ create. */
export const PART_OF_LABEL = { 'app.kubernetes.io/part-of': 'tiphys' } as const;

/** Kubernetes' marker for a subtree the API server stores as-is instead of pruning it. */
export const PRESERVE_UNKNOWN_FIELDS = 'x-kubernetes-preserve-unknown-fields';

/** A string restricted to the values of a const object; becomes a typed `enum` in the CRDs. */
export function StringEnum<T extends Record<string, string>>(
  values: T,
  options: { description?: string } = {},
): TEnum<T[keyof T][]> {
  return Type.Enum(Object.values(values) as T[keyof T][], options);
}

/**
 * An object that rejects unknown properties. Tiphys's validator then reports a misspelt field
 * (`spec.sorce`) instead of silently ignoring it; the CRDs drop the flag because the API server
 * prunes unknown fields itself and structural schemas forbid `additionalProperties: false`.
 */
export function Closed<P extends TProperties>(
  properties: P,
  options: Record<string, unknown> = {},
): TObject<P> {
  return Type.Object(properties, { ...options, additionalProperties: false });
}

/** Free-form JSON object kept verbatim by the API server (values Tiphys does not model). */
export function FreeForm(options: { description?: string } = {}) {
  return Type.Record(Type.String(), Type.Unknown(), { ...options, [PRESERVE_UNKNOWN_FIELDS]: true });
}

/** A map of string to string, like labels and annotations. */
export function StringMap(options: { description?: string } = {}) {
  return Type.Record(Type.String(), Type.String(), options);
}

/** RFC 3339 timestamp, as Kubernetes writes them (`2025-01-31T12:00:00Z`). */
export function Timestamp(options: { description?: string } = {}) {
  return Type.String({ ...options, format: 'date-time' });
}

/**
 * A JSON Schema clause allowing at most one of the named properties. Plain `not`/`anyOf`/
 * `required` is what structural CRD schemas accept, so the API server enforces the same rule as
 * Tiphys's own validator.
 */
export function atMostOneOf(...names: string[]): { not: { anyOf: { required: string[] }[] } } {
  const pairs: { required: string[] }[] = [];
  for (const [i, a] of names.entries()) for (const b of names.slice(i + 1)) pairs.push({ required: [a, b] });
  return { not: { anyOf: pairs } };
}

/**
 * The part of Kubernetes object metadata Tiphys reads; the API server owns the rest, and other
 * fields pass unchecked. Timestamps are left out on purpose: @kubernetes/client-node turns them
 * into Date objects when it reads, so no single type would be true of both wire and client data.
 */
export const ObjectMeta = Type.Object({
  name: Type.String({ minLength: 1 }),
  namespace: Type.Optional(Type.String()),
  labels: Type.Optional(StringMap()),
  annotations: Type.Optional(StringMap()),
  uid: Type.Optional(Type.String()),
  resourceVersion: Type.Optional(Type.String()),
  generation: Type.Optional(Type.Integer()),
  finalizers: Type.Optional(Type.Array(Type.String())),
});
export type ObjectMeta = Static<typeof ObjectMeta>;

/** A Kubernetes API group and kind; in AppProject lists both may be globs (`*`). */
export const GroupKind = Closed({
  group: Type.Optional(Type.String({ description: "API group; '' or absent for the core group." })),
  kind: Type.String(),
});
export type GroupKind = Static<typeof GroupKind>;

/** Names one Kubernetes object without its version. */
export const ResourceRef = Closed({
  group: Type.Optional(Type.String({ description: "API group; '' or absent for the core group." })),
  kind: Type.String(),
  name: Type.String(),
  namespace: Type.Optional(Type.String()),
});
export type ResourceRef = Static<typeof ResourceRef>;

/** Something a person should act on, shown on the resource. */
export const Condition = Type.Object({
  type: Type.String(),
  message: Type.String(),
  lastTransitionTime: Type.Optional(Timestamp()),
});
export type Condition = Static<typeof Condition>;
