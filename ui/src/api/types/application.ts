// An Application as the API sends it: its spec, sync and health, operations and history.

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

export interface ApplicationList {
  items: Application[];
  total: number;
}

export interface StreamEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  application: Application;
}
