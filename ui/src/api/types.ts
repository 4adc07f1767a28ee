// The shapes of docs/api.md as the UI reads them. Written here rather than imported from
// src/core so the browser bundle depends on the wire contract only, not on server modules.

export const HEALTH_STATUSES = [
  'Healthy',
  'Progressing',
  'Degraded',
  'Suspended',
  'Missing',
  'Unknown',
] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export const SYNC_STATUSES = ['Synced', 'OutOfSync', 'Unknown'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

export type OperationPhase = 'Running' | 'Succeeded' | 'Failed' | 'Error' | 'Terminating';

export interface Health {
  status: HealthStatus;
  message?: string;
}

export interface AppSource {
  repoURL: string;
  targetRevision?: string;
  path?: string;
  chart?: string;
  ref?: string;
}

export interface ResourceRef {
  group?: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface ResourceStatus extends ResourceRef {
  version?: string;
  status?: SyncStatus;
  health?: Health;
  hook?: boolean;
  requiresPruning?: boolean;
}

export interface ResourceResult extends ResourceRef {
  status?: string;
  message?: string;
  hookPhase?: OperationPhase;
}

export interface InitiatedBy {
  username?: string;
  automated?: boolean;
}

export interface SyncRequest {
  prune?: boolean;
  dryRun?: boolean;
  revision?: string;
  resources?: ResourceRef[];
  syncOptions?: string[];
}

export interface Operation {
  sync: SyncRequest;
  initiatedBy?: InitiatedBy;
}

export interface OperationState {
  operation: Operation;
  phase: OperationPhase;
  message?: string;
  startedAt: string;
  finishedAt?: string;
  syncResult?: { revision: string; resources?: ResourceResult[] };
}

export interface HistoryEntry {
  id: number;
  revision: string;
  deployedAt: string;
  deployStartedAt?: string;
  initiatedBy?: InitiatedBy;
  source?: { repoURL?: string; path?: string; targetRevision?: string };
}

export interface Condition {
  type: string;
  message: string;
  lastTransitionTime?: string;
}

export interface Application {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
  };
  spec: {
    project?: string;
    /** One source, or `sources` (several: see primarySource). */
    source?: AppSource;
    sources?: AppSource[];
    destination: { cluster?: string; namespace?: string };
    syncPolicy?: {
      automated?: { prune?: boolean; selfHeal?: boolean } | null;
      syncOptions?: string[];
    };
  };
  operation?: Operation;
  status?: {
    sync?: { status: SyncStatus; revision?: string };
    health?: Health;
    resources?: ResourceStatus[];
    conditions?: Condition[];
    operationState?: OperationState;
    history?: HistoryEntry[];
    reconciledAt?: string;
    summary?: { images?: string[] };
    notifications?: NotificationResult[];
  };
}

/** One notification delivery the controller recorded (secrets already masked by the server). */
export interface NotificationResult {
  trigger: string;
  service: string;
  recipient?: string;
  outcome: 'Delivered' | 'Failed' | 'Refused' | 'Dropped';
  message?: string;
  attempts?: number;
  at: string;
}

export interface SyncWindow {
  kind: 'allow' | 'deny';
  schedule: string;
  duration: string;
  timeZone?: string;
  applications?: string[];
  namespaces?: string[];
  clusters?: string[];
  manualSync?: boolean;
  description?: string;
}

/** A window at an instant: open (until when) or when it next opens (docs/sync-windows.md). */
export interface WindowState {
  index: number;
  window: SyncWindow;
  open?: { start: string; end: string; atLeast?: boolean };
  nextOpen?: string;
  error?: string;
}

export interface SyncVerdict {
  allowed: boolean;
  reason?: string;
  opensAt?: string;
}

export interface ProjectWindows {
  project: string;
  now: string;
  windows: WindowState[];
}

export interface AppWindows extends ProjectWindows {
  manual: SyncVerdict;
  automated: SyncVerdict;
}

export interface ApplicationList {
  items: Application[];
  total: number;
}

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

export interface UserInfo {
  loggedIn: boolean;
  username?: string;
  groups?: string[];
}

/** The contract fixes `connection` only as present; status and message are read when there. */
export type Connection = string | { status?: string; message?: string; attemptedAt?: string } | undefined;

export interface ClusterHealth {
  phase: 'Reachable' | 'Unreachable' | 'Lost';
  message?: string;
  unreachableSince?: string;
  lostAt?: string;
  returnedAt?: string;
  lastProbeAt?: string;
}

export interface RecoveryTimeline {
  lostAt?: string;
  actionStartedAt?: string;
  clusterAnsweredAt?: string;
  firstAppSyncedAt?: string;
  allHealthyAt?: string;
}

export interface ClusterRecovery {
  incident: string;
  phase: 'AwaitingApproval' | 'Pending' | 'Running' | 'Bootstrapping' | 'Succeeded' | 'Failed' | 'Cancelled';
  message?: string;
  attempts?: number;
  nextAttemptAt?: string;
  approvedBy?: string;
  failoverTo?: string;
  apps?: string[];
  actionOutput?: string;
  wave?: number;
  timeline: RecoveryTimeline;
}

export interface Cluster {
  name: string;
  server: string;
  labels?: Record<string, string>;
  connection?: Connection;
  health?: ClusterHealth;
  recovery?: ClusterRecovery;
  conditions?: Condition[];
  serverVersion?: string;
  applicationsCount?: number;
  /** The last delivery of each cluster notification trigger and destination (masked). */
  notifications?: NotificationResult[];
}

export interface Repository {
  name?: string;
  url: string;
  username?: string;
  hasCredentials?: boolean;
  connection?: Connection;
}

export interface StreamEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  application: Application;
}

/** A set of versions verified together (docs/promotion.md). */
export interface Freight {
  id: string;
  images?: Record<string, string>;
  tree?: string;
  commit: string;
}

export interface GateState {
  name: string;
  passed: boolean;
  message: string;
}

export interface StageHistoryEntry {
  kind: string;
  freight: string;
  by: string;
  at: string;
  result: string;
  message?: string;
  commit?: string;
}

export interface StageStatus {
  name: string;
  current?: Freight;
  health: string;
  message?: string;
  healthySince?: string;
  verified?: Freight[];
  candidate?: string;
  gates?: GateState[];
  held?: string;
  verification?: { freight: string; job: string; phase: string; message?: string };
  history?: StageHistoryEntry[];
  conditions?: { type: string; message: string }[];
}

export interface StageSpec {
  name: string;
  applications: string[];
  path?: string;
  branch?: string;
  soakSeconds?: number;
  approval?: boolean;
  autoPromote?: boolean;
}

export interface Pipeline {
  metadata: { name: string };
  spec: { project: string; repoURL: string; layout: 'overlays' | 'branches'; stages: StageSpec[] };
  approvals?: { stage: string; freight: string; by: string; at: string }[];
  status?: {
    stages?: StageStatus[];
    conditions?: { type: string; message: string }[];
    lastRequest?: { at: string; result: string; message: string };
  };
}

/** One message of GET /api/v1/stream/pipelines (`event: pipeline`). */
export interface PipelineStreamEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  pipeline: Pipeline;
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

/** One line of GET /api/v1/applications/:name/logs (docs/operations.md). */
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

export type LogEntry =
  | { pod: string; container: string; line: string }
  | { pod: string; container: string; error: string }
  | { notice: string };

export interface ApplicationSetAppStatus {
  application: string;
  step?: number;
  status: string;
  message?: string;
}

/** An ApplicationSet as the API shows it: only the generated apps the user may see are listed. */
export interface ApplicationSet {
  metadata: { name: string; uid?: string; creationTimestamp?: string };
  spec: {
    generators: Record<string, unknown>[];
    template: { metadata: { name?: string; labels?: Record<string, string> }; spec: { project?: string } };
    syncPolicy?: { applicationsSync?: string; preserveResourcesOnDeletion?: boolean };
    strategy?: {
      type: 'AllAtOnce' | 'RollingSync';
      rollingSync?: {
        steps: {
          matchExpressions?: { key: string; operator: string; values?: string[] }[];
          maxUpdate?: number | string;
        }[];
      };
    };
  };
  status?: {
    conditions?: Condition[];
    applicationStatus?: ApplicationSetAppStatus[];
    rollout?: { revision: string; phase: string; step?: number; message?: string; accepted?: string[] };
    generatedAt?: string;
    observedGeneration?: number;
  };
}
