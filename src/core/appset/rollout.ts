// Progressive rollout of an ApplicationSet's changes (strategy RollingSync): apps are put in
// steps by their labels; a change (a new or changed generated app) is written to the apps of
// step 1 first, at most maxUpdate at a time, and the next step starts when every app of the
// steps before is Synced and Healthy on its new spec. A Degraded app stops the rollout until a
// person resumes (accepting the Degraded apps) or aborts it (the rest keep their old spec until
// the template changes again). Apps no step selects form an implicit last step.
import { type Application, withDefaults } from '../model/application.ts';
import type {
  ApplicationSet,
  ApplicationSetAppStatus,
  ApplicationSetStatus,
  RolloutStep,
} from '../model/application-set.ts';
import { comparedToOf } from '../model/compared-to.ts';
import { canonical, differs, type SetPlan, sameJson } from './plan.ts';
import { requirementHolds } from './selector.ts';

export type RolloutStatus = NonNullable<ApplicationSetStatus['rollout']>;

/** A person's request, read from the set's `tiphys.dev/rollout-action` annotation (`resume@<id>`). */
export const ROLLOUT_ACTION_ANNOTATION = 'tiphys.dev/rollout-action';
export type RolloutAction = { kind: 'resume' | 'abort'; id: string };

export function parseRolloutAction(value: string | undefined): RolloutAction | undefined {
  const match = /^(resume|abort)@(.+)$/.exec(value ?? '');
  return match ? { kind: match[1] as 'resume' | 'abort', id: `${match[1]}@${match[2]}` } : undefined;
}

export interface RolloutDecision {
  /** The creates and updates of the plan that may be written now. */
  create: Application[];
  update: Application[];
  applicationStatus: ApplicationSetAppStatus[];
  rollout?: RolloutStatus;
}

type AppState = 'Waiting' | 'Progressing' | 'Healthy' | 'Degraded';

/** How a live app stands on the spec it should have. */
function stateOf(desired: Application, live: Application | undefined): AppState {
  if (!live || differs(live, desired)) return 'Waiting';
  const status = live.status;
  const fresh = sameJson(status?.sync?.comparedTo, comparedToOf(withDefaults(live).spec));
  if (!fresh) return 'Progressing';
  if (status?.health?.status === 'Degraded') return 'Degraded';
  return status?.sync?.status === 'Synced' && status.health?.status === 'Healthy' ? 'Healthy' : 'Progressing';
}

export function stepOf(app: Application, steps: RolloutStep[]): number {
  const labels = app.metadata.labels ?? {};
  const index = steps.findIndex((step) =>
    (step.matchExpressions ?? []).every((r) => requirementHolds(r, labels)),
  );
  return index === -1 ? steps.length : index;
}

/** How many apps of a step of `size` may be in flight at once. */
export function maxUpdateOf(step: RolloutStep | undefined, size: number): number {
  const max = step?.maxUpdate;
  if (max === undefined) return size;
  if (typeof max === 'number') return max;
  const percent = Number.parseInt(max, 10);
  return Math.max(1, Math.floor((size * percent) / 100));
}

/** A short stable hash (FNV-1a, 32 bits twice) of every generated app: the rollout's identity. */
export function rolloutRevision(desired: Iterable<Application>): string {
  const text = canonical([...desired].map((a) => [a.metadata.name, a.metadata.labels, a.spec]).sort());
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x85ebca6b) >>> 0;
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}

export function decideRollout(
  set: ApplicationSet,
  plan: SetPlan,
  live: Map<string, Application>,
  action: RolloutAction | undefined,
): RolloutDecision {
  const refused = plan.refused.map((r) => ({ application: r.name, status: 'Refused', message: r.message }));
  const steps =
    set.spec.strategy?.type === 'RollingSync' ? (set.spec.strategy.rollingSync?.steps ?? []) : undefined;
  if (!steps) {
    const applicationStatus = [...plan.desired.values()].map((app) => ({
      application: app.metadata.name,
      status: stateOf(app, live.get(app.metadata.name)),
    }));
    return {
      create: plan.create,
      update: plan.update,
      applicationStatus: [...applicationStatus, ...refused],
    };
  }
  const revision = rolloutRevision(plan.desired.values());
  const previous = set.status?.rollout as RolloutStatus | undefined;
  let rollout: RolloutStatus =
    previous?.revision === revision ? { ...previous } : { revision, phase: 'Progressing', accepted: [] };
  if (action && action.id !== previous?.lastAction) {
    rollout.lastAction = action.id;
    if (action.kind === 'abort') rollout = { ...rollout, phase: 'Aborted', message: 'aborted by a person' };
    else if (rollout.phase === 'Stopped' || rollout.phase === 'Aborted') {
      // Resuming accepts the apps that are Degraded now; the rollout goes on past them.
      const degraded = [...plan.desired.values()]
        .filter((app) => stateOf(app, live.get(app.metadata.name)) === 'Degraded')
        .map((app) => app.metadata.name);
      rollout = {
        ...rollout,
        phase: 'Progressing',
        message: undefined,
        accepted: [...(rollout.accepted ?? []), ...degraded],
      };
    }
  }
  const accepted = new Set(rollout.accepted ?? []);
  const byStep: { app: Application; state: AppState }[][] = Array.from(
    { length: steps.length + 1 },
    () => [],
  );
  for (const app of plan.desired.values()) {
    byStep[stepOf(app, steps)]?.push({ app, state: stateOf(app, live.get(app.metadata.name)) });
  }
  const done = (e: { app: Application; state: AppState }) =>
    e.state === 'Healthy' || (e.state === 'Degraded' && accepted.has(e.app.metadata.name));
  const release = new Set<string>();
  let active = byStep.findIndex((entries) => !entries.every(done));
  const degraded = byStep
    .slice(0, active === -1 ? byStep.length : active + 1)
    .flat()
    .find((e) => e.state === 'Degraded' && !accepted.has(e.app.metadata.name));
  if (active === -1) rollout = { ...rollout, phase: 'Completed', step: undefined, message: undefined };
  else if (rollout.phase === 'Aborted') {
    // nothing more is written until the generated apps change
  } else if (degraded) {
    rollout = {
      ...rollout,
      phase: 'Stopped',
      step: active + 1,
      message: `application ${degraded.app.metadata.name} is Degraded; resume to go on, abort to stop here`,
    };
  } else if (rollout.phase === 'Stopped') {
    // stays stopped until a person resumes
  } else {
    const entries = byStep[active] ?? [];
    const inFlight = entries.filter((e) => e.state === 'Progressing').length;
    const room = Math.max(0, maxUpdateOf(steps[active], entries.length) - inFlight);
    for (const e of entries.filter((x) => x.state === 'Waiting').slice(0, room))
      release.add(e.app.metadata.name);
    rollout = { ...rollout, phase: 'Progressing', step: active + 1, message: undefined };
  }
  if (active === -1) active = byStep.length;
  const applicationStatus = byStep.flatMap((entries, i) =>
    entries.map((e) => ({
      application: e.app.metadata.name,
      step: i + 1,
      status: release.has(e.app.metadata.name) ? 'Progressing' : e.state,
    })),
  );
  return {
    create: plan.create.filter((a) => release.has(a.metadata.name)),
    update: plan.update.filter((a) => release.has(a.metadata.name)),
    applicationStatus: [...applicationStatus, ...refused],
    rollout: dropUndefined(rollout),
  };
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
