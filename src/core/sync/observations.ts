// What the controller tells the state machine: the results of the actions it ran and what its
// cluster cache shows. The state machine never looks at the cluster itself.

/** The health module's statuses (src/core/health/status.ts), repeated to keep sync/ standalone. */
export type HealthStatus = 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';

/** A hook's run, for kinds whose completion is not their health (Job, Pod, Workflow). */
export type HookCompletion = 'Running' | 'Succeeded' | 'Failed';

export interface LiveObservation {
  health: HealthStatus;
  message?: string;
  /** Set for hooks whose kind has a notion of completion; otherwise derived from health. */
  hook?: HookCompletion;
  /** When given, an observation of another object with the same key (an earlier run) is ignored. */
  uid?: string;
  /** When given, an observation older than the applied generation is ignored. */
  generation?: number;
}

export interface ActionResult {
  actionId: string;
  /** NotFound on a delete and AlreadyExists on a hook creation count as success. */
  ok: boolean;
  message?: string;
  /** Of the object the apply or create returned. */
  uid?: string;
  generation?: number;
}

export interface SyncObservations {
  /**
   * Every object the cache holds, by key. A key that is absent (or Missing) is not in the
   * cluster: deletions wait for that, applies and hooks wait for the opposite.
   */
  live?: Readonly<Record<string, LiveObservation>>;
  /** The results of the actions the previous step returned. */
  results?: readonly ActionResult[];
  /** ISO timestamp, recorded as startedAt and finishedAt. */
  now?: string;
}

export function isGone(observations: SyncObservations, key: string): boolean {
  const live = observations.live?.[key];
  return live === undefined || live.health === 'Missing';
}

/** The completion of a hook: its own, or read from its health as Argo CD does. */
export function hookCompletionOf(live: LiveObservation): HookCompletion {
  if (live.hook) return live.hook;
  switch (live.health) {
    case 'Healthy':
      return 'Succeeded';
    case 'Degraded':
    case 'Unknown':
      return 'Failed';
    default:
      return 'Running';
  }
}
