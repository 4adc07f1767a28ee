// How a stage stands (pure): from its Applications' sync and health to "runs freight F, Healthy
// since T", and the list of freight it verified. The controller resolves the freight of a revision
// (Git reads) and runs the verification Job; everything it decides from them is here.
import type { Application } from '../model/application.ts';
import type { Freight, StageSpec, StageStatus } from '../model/pipeline.ts';

/** Verified freight kept per stage: what a rollback may go back to. */
export const VERIFIED_KEPT = 10;
export const HISTORY_KEPT = 20;

export type StageHealth = 'Healthy' | 'Progressing' | 'Degraded' | 'Unknown';

export interface StageObservation {
  health: StageHealth;
  message: string;
  /** The revisions the apps are Synced at (Healthy only); the stage runs one freight when all name the same. */
  revisions?: string[];
}

/**
 * Every app Synced and Healthy is Healthy (at the revisions it lists); any app Degraded (or its sync failed)
 * is Degraded; a missing app is Unknown; anything else is still Progressing, and says which app.
 */
export function observeStage(stage: StageSpec, apps: ReadonlyMap<string, Application>): StageObservation {
  const waiting: string[] = [];
  const revisions = new Set<string>();
  for (const name of stage.applications) {
    const app = apps.get(name);
    if (!app) return { health: 'Unknown', message: `application ${name} not found` };
    const sync = app.status?.sync?.status ?? 'Unknown';
    const health = app.status?.health?.status ?? 'Unknown';
    const phase = app.status?.operationState?.phase;
    if (health === 'Degraded' || phase === 'Failed' || phase === 'Error') {
      const why = app.status?.operationState?.message ?? app.status?.health?.message ?? '';
      return { health: 'Degraded', message: `application ${name} is ${health}${why ? `: ${why}` : ''}` };
    }
    if (sync !== 'Synced' || health !== 'Healthy') waiting.push(`${name} is ${sync}/${health}`);
    const revision = app.status?.sync?.revision;
    if (revision) revisions.add(revision);
  }
  if (waiting.length > 0) return { health: 'Progressing', message: waiting.join('; ') };
  if (revisions.size === 0)
    return { health: 'Progressing', message: 'no application reports a revision yet' };
  // Several revisions are normal for a moment in the overlays layout (a commit for another stage
  // reaches each app at its own reconcile); the caller checks they all pin the same freight.
  return {
    health: 'Healthy',
    message: 'every application is Synced and Healthy',
    revisions: [...revisions].sort(),
  };
}

/**
 * The stage's next status from the previous one, what its apps show now and the freight of their
 * revision. Healthy-since restarts when the freight changes or the stage stops being healthy; a
 * freight becomes verified once healthy and (with a verification Job) its Job succeeded.
 */
export function nextStageStatus(
  stage: StageSpec,
  previous: StageStatus | undefined,
  observed: StageObservation,
  freight: Freight | undefined,
  now: Date,
): StageStatus {
  const healthy = observed.health === 'Healthy' && freight !== undefined;
  const sameFreight = healthy && previous?.current?.id === freight.id;
  const status: StageStatus = {
    ...previous,
    name: stage.name,
    health: observed.health,
    message: observed.message,
    current: healthy ? freight : previous?.current,
    healthySince:
      healthy && sameFreight && previous?.health === 'Healthy' && previous.healthySince
        ? previous.healthySince
        : healthy
          ? now.toISOString()
          : undefined,
  };
  if (!healthy) return status;
  if (
    !stage.verification ||
    (status.verification?.freight === freight.id && status.verification.phase === 'Succeeded')
  ) {
    if (status.verified?.[0]?.id !== freight.id) {
      status.verified = [freight, ...(status.verified ?? []).filter((f) => f.id !== freight.id)].slice(
        0,
        VERIFIED_KEPT,
      );
      status.history = addHistory(status.history, {
        kind: 'verified',
        freight: freight.id,
        by: 'tiphys',
        at: now.toISOString(),
        result: 'Verified',
        commit: freight.commit,
      });
    }
  }
  return status;
}

/** Whether the stage should start a verification Job now: healthy at a freight not yet verified by one. */
export function needsVerification(stage: StageSpec, status: StageStatus): boolean {
  if (!stage.verification || status.health !== 'Healthy' || !status.current) return false;
  return status.verification?.freight !== status.current.id;
}

export function addHistory<T>(history: T[] | undefined, entry: T): T[] {
  return [entry, ...(history ?? [])].slice(0, HISTORY_KEPT);
}
