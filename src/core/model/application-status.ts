// The controller-owned parts of an Application: the requested operation and the status. Kept
// apart from the spec (application.ts) so each file reads as one concept.
import { type Static, Type } from 'typebox';
import { Closed, Condition, FreeForm, ResourceRef, StringEnum, StringMap, Timestamp } from './common.ts';

export const SyncStatusCode = { Synced: 'Synced', OutOfSync: 'OutOfSync', Unknown: 'Unknown' } as const;
export type SyncStatusCode = (typeof SyncStatusCode)[keyof typeof SyncStatusCode];

export const HealthStatusCode = {
  Healthy: 'Healthy',
  Progressing: 'Progressing',
  Degraded: 'Degraded',
  Suspended: 'Suspended',
  Missing: 'Missing',
  Unknown: 'Unknown',
} as const;
export type HealthStatusCode = (typeof HealthStatusCode)[keyof typeof HealthStatusCode];

export const OperationPhase = {
  Running: 'Running',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Error: 'Error',
  Terminating: 'Terminating',
} as const;
export type OperationPhase = (typeof OperationPhase)[keyof typeof OperationPhase];

/** What happened to one resource in a sync. */
export const ResultCode = {
  Synced: 'Synced',
  SyncFailed: 'SyncFailed',
  Pruned: 'Pruned',
  PruneSkipped: 'PruneSkipped',
} as const;
export type ResultCode = (typeof ResultCode)[keyof typeof ResultCode];

// Condition types stay open strings in the schema so that a newer controller can report a new
// type without first upgrading the CRD; these are the ones Tiphys writes today.
export const ApplicationConditionType = {
  ComparisonError: 'ComparisonError',
  SyncError: 'SyncError',
  InvalidSpecError: 'InvalidSpecError',
  ProjectViolation: 'ProjectViolation',
  OrphanedResourceWarning: 'OrphanedResourceWarning',
  SharedResourceWarning: 'SharedResourceWarning',
  /** A sync waits for the project's sync windows (docs/sync-windows.md). */
  SyncWindowClosed: 'SyncWindowClosed',
} as const;
export type ApplicationConditionType =
  (typeof ApplicationConditionType)[keyof typeof ApplicationConditionType];

/** How failed syncs are retried. Defaults (see application.ts) apply when the block is present. */
export const RetryStrategy = Closed({
  limit: Type.Optional(
    Type.Integer({ description: 'Attempts after the first failure; negative: no limit.' }),
  ),
  backoff: Type.Optional(
    Closed({
      duration: Type.Optional(Duration('Wait before the first retry.')),
      factor: Type.Optional(
        Type.Integer({ minimum: 1, description: 'Multiplies the wait after each retry.' }),
      ),
      maxDuration: Type.Optional(Duration('Longest wait between retries.')),
    }),
  ),
});
export type RetryStrategy = Static<typeof RetryStrategy>;

function Duration(description: string) {
  return Type.String({
    description: `${description} A duration like 5s, 3m, 1h.`,
    pattern: '^([0-9]+(ms|s|m|h))+$',
  });
}

export const SyncOptionList = Type.Array(
  Type.String({
    pattern: '^[A-Za-z][A-Za-z0-9]*=.+$',
    description: 'Name=value, like CreateNamespace=true.',
  }),
);

export const InitiatedBy = Closed({
  username: Type.Optional(Type.String()),
  automated: Type.Optional(Type.Boolean({ description: 'True when the controller itself started it.' })),
});
export type InitiatedBy = Static<typeof InitiatedBy>;

/** A requested sync; the controller picks it up, runs it and moves it to status.operationState. */
export const Operation = Type.Object({
  sync: Closed({
    revision: Type.Optional(
      Type.String({ description: 'Sync this revision instead of the target revision.' }),
    ),
    prune: Type.Optional(Type.Boolean()),
    dryRun: Type.Optional(Type.Boolean()),
    resources: Type.Optional(Type.Array(ResourceRef, { description: 'Sync only these resources.' })),
    syncOptions: Type.Optional(SyncOptionList),
  }),
  initiatedBy: Type.Optional(InitiatedBy),
  retry: Type.Optional(RetryStrategy),
});
export type Operation = Static<typeof Operation>;

const HealthStatus = Type.Object({
  status: StringEnum(HealthStatusCode),
  message: Type.Optional(Type.String()),
});
export type HealthStatus = Static<typeof HealthStatus>;

/** Where the compared manifests came from; free-form so it mirrors the spec's source as written. */
const SourceSnapshot = FreeForm({ description: 'The spec.source the status refers to.' });
const DestinationSnapshot = FreeForm({ description: 'The spec.destination the status refers to.' });

export const ResourceStatus = Type.Object({
  group: Type.Optional(Type.String()),
  version: Type.Optional(Type.String()),
  kind: Type.String(),
  namespace: Type.Optional(Type.String()),
  name: Type.String(),
  status: Type.Optional(StringEnum(SyncStatusCode)),
  health: Type.Optional(HealthStatus),
  hook: Type.Optional(Type.Boolean()),
  requiresPruning: Type.Optional(Type.Boolean()),
  uid: Type.Optional(
    Type.String({
      description:
        'The live object the application owns: only an object recorded here (or written by its last operation) is ever pruned or deleted with the application.',
    }),
  ),
});
export type ResourceStatus = Static<typeof ResourceStatus>;

export const ResourceResult = Type.Object({
  group: Type.Optional(Type.String()),
  version: Type.Optional(Type.String()),
  kind: Type.String(),
  namespace: Type.Optional(Type.String()),
  name: Type.String(),
  status: Type.Optional(StringEnum(ResultCode)),
  message: Type.Optional(Type.String()),
  syncPhase: Type.Optional(Type.String({ description: 'PreSync, Sync, PostSync or SyncFail.' })),
  hookType: Type.Optional(Type.String()),
  hookPhase: Type.Optional(StringEnum(OperationPhase)),
});
export type ResourceResult = Static<typeof ResourceResult>;

export const OperationState = Type.Object({
  operation: Operation,
  phase: StringEnum(OperationPhase),
  message: Type.Optional(Type.String()),
  startedAt: Timestamp(),
  finishedAt: Type.Optional(Timestamp()),
  retryCount: Type.Optional(Type.Integer()),
  syncResult: Type.Optional(
    Type.Object({
      revision: Type.String(),
      source: Type.Optional(SourceSnapshot),
      resources: Type.Optional(Type.Array(ResourceResult)),
    }),
  ),
  progress: Type.Optional(
    FreeForm({
      description:
        'The persisted sync plan and how far it got, so a restarted controller resumes it. Internal.',
    }),
  ),
});
export type OperationState = Static<typeof OperationState>;

export const RevisionHistory = Type.Object({
  id: Type.Integer(),
  revision: Type.String(),
  source: Type.Optional(SourceSnapshot),
  deployedAt: Timestamp(),
  deployStartedAt: Type.Optional(Timestamp()),
  initiatedBy: Type.Optional(InitiatedBy),
});
export type RevisionHistory = Static<typeof RevisionHistory>;

export const NotificationResult = Type.Object({
  trigger: Type.String(),
  service: Type.String(),
  recipient: Type.Optional(Type.String()),
  outcome: StringEnum({ Delivered: 'Delivered', Failed: 'Failed', Refused: 'Refused', Dropped: 'Dropped' }),
  message: Type.Optional(Type.String({ description: 'Why it failed or was refused; never a secret.' })),
  attempts: Type.Optional(Type.Integer()),
  at: Timestamp(),
});
export type NotificationResult = Static<typeof NotificationResult>;

export const ApplicationStatus = Type.Object({
  sync: Type.Optional(
    Type.Object({
      status: StringEnum(SyncStatusCode),
      revision: Type.Optional(Type.String()),
      comparedTo: Type.Optional(
        Type.Object({
          source: Type.Optional(SourceSnapshot),
          sources: Type.Optional(Type.Array(SourceSnapshot)),
          destination: Type.Optional(DestinationSnapshot),
        }),
      ),
    }),
  ),
  health: Type.Optional(HealthStatus),
  resources: Type.Optional(Type.Array(ResourceStatus)),
  conditions: Type.Optional(Type.Array(Condition)),
  operationState: Type.Optional(OperationState),
  history: Type.Optional(Type.Array(RevisionHistory)),
  reconciledAt: Type.Optional(Timestamp({ description: 'When desired and live state were last compared.' })),
  reportedBy: Type.Optional(
    Type.Object(
      {
        instance: Type.String({ description: "The controller replica's identity (--identity)." }),
        actingSince: Type.Optional(
          Timestamp({
            description:
              'When that replica began acting: with --shards, when it joined the shard members (again, after losing its Lease); else when it started leading.',
          }),
        ),
      },
      {
        description:
          'The controller replica that wrote this status, on every write a reconcile makes: under sharding, which replica reconciles the app (docs/fleet.md).',
      },
    ),
  ),
  summary: Type.Optional(Type.Object({ images: Type.Optional(Type.Array(Type.String())) })),
  notified: Type.Optional(
    StringMap({
      description:
        'Notification triggers whose condition holds, with the event each was notified for (its oncePer value): an event is notified once, however often the app is reconciled.',
    }),
  ),
  notifications: Type.Optional(
    Type.Array(NotificationResult, { description: 'The last notification deliveries, newest last.' }),
  ),
});
export type ApplicationStatus = Static<typeof ApplicationStatus>;
