// What the API shows of an app's objects: the resource tree, manifests, diff, events, actions
// and Pod logs.
import type { Health } from './application.ts';

export interface TreeNode {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  health?: Health;
  sync?: 'Synced' | 'OutOfSync';
  hook?: boolean;
  parentRefs: { group: string; kind: string; namespace: string; name: string; uid: string }[];
}

export interface ResourceTree {
  nodes: TreeNode[];
}

export interface Manifests {
  live?: unknown;
  desired?: unknown;
}

export interface AppDiff {
  revision: string;
  resources: { key: string; status: string; diff: string }[];
}

export interface KubeEvent {
  metadata: { name: string; uid?: string; creationTimestamp?: string };
  involvedObject?: { kind?: string; name?: string; namespace?: string; uid?: string };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
}

/** GET /api/v1/applications/:name/resource/actions (docs/actions.md). */
export interface ResourceActionList {
  actions: {
    name: string;
    disabled: boolean;
    displayName?: string;
    params?: { name: string; description?: string }[];
    source: 'builtin' | 'custom';
  }[];
  error?: string;
}

/** What one log request reads (docs/operations.md, "Pod logs of an app"). */
export interface LogOptions {
  /** One container by name (an init container too); none: every regular container. */
  container?: string;
  follow: boolean;
  /** The log of the container's previous run (after a restart). */
  previous?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
}

/** GET …/logs/containers: the containers of each Pod a log request reads. */
export interface PodContainers {
  pod: string;
  namespace: string;
  containers: { name: string; init: boolean }[];
}

/** One line of GET /api/v1/applications/:name/logs (docs/operations.md). */
export type LogEntry =
  | { pod: string; container: string; line: string }
  | { pod: string; container: string; error: string }
  | { notice: string };
