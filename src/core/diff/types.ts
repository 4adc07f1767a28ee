// The object type is sync/'s stand-in for src/core/manifest/object.ts (structurally the same),
// so diff/ and sync/ switch to the manifest module together when it lands.
import type { KubeObject } from '../sync/types.ts';

export type { KubeObject };

/**
 * Differences a user declared harmless, as in an Application's spec.ignoreDifferences. group,
 * kind, name and namespace select objects ('*' or absent matches any); the rest says what of
 * them is ignored.
 */
export interface IgnoreDifference {
  group?: string;
  kind: string;
  name?: string;
  namespace?: string;
  /** RFC 6901 pointers: `/spec/replicas`, `/metadata/annotations/example.com~1hash`. */
  jsonPointers?: readonly string[];
  /** Fields owned by these field managers (per the live object's managedFields), e.g. an HPA. */
  managedFieldsManagers?: readonly string[];
  /** Accepted for compatibility with Argo CD specs; not evaluated (no jq in the core). */
  jqPathExpressions?: readonly string[];
}

export interface NormalizeOptions {
  ignoreDifferences?: readonly IgnoreDifference[];
  /** The live object, whose managedFields say who owns what; defaults to the object itself. */
  live?: KubeObject;
}

/** A JSON value at `path` (an RFC 6901 pointer) that differs; before is live, after desired. */
export interface Change {
  path: string;
  op: 'add' | 'remove' | 'replace';
  before?: unknown;
  after?: unknown;
}

export interface DiffResult {
  equal: boolean;
  changes: Change[];
  /** A unified diff of the YAML renderings, live (---) to desired (+++); '' when equal. */
  text: string;
}
