// One reconcile of an ApplicationSet, as named steps: validate → generate → plan (safety rules)
// → roll out (which creates and updates may go now) → write → status. Any failure before the
// writes leaves every generated app as it is and says why in a condition: Argo CD deletes the
// apps of a set whose generator failed once (argo-cd#18480); Tiphys never does.
import type { ApplicationSetStore } from '../../adapters/control-plane/application-set-store.ts';
import type { ApplicationStore } from '../../adapters/control-plane/application-store.ts';
import type { KubeRest } from '../../adapters/kube/rest.ts';
import type { GeneratorSources } from '../../core/appset/generators.ts';
import { planSet, setProject } from '../../core/appset/plan.ts';
import { decideRollout, parseRolloutAction, ROLLOUT_ACTION_ANNOTATION } from '../../core/appset/rollout.ts';
import { RESOURCES_FINALIZER } from '../../core/model/application-markers.ts';
import {
  type ApplicationSet,
  type ApplicationSetStatus,
  validateApplicationSet,
} from '../../core/model/application-set.ts';
import type { Condition } from '../../core/model/common.ts';
import { generateApplications } from '../../domain/application-sets/generate.ts';
import {
  createApplication,
  deleteApplication,
  updateApplication,
} from '../../domain/application-sets/writes.ts';
import { errorMessage, type Logger } from '../log.ts';

export interface SetReconcileDeps {
  sets: ApplicationSetStore;
  apps: ApplicationStore;
  rest: KubeRest;
  sources: () => GeneratorSources;
  log: Logger;
  allowLocalRepos: boolean;
  /** The controller's cap on apps per set; a set's own maxApplications can only lower it. */
  maxApplications: number;
}

export interface SetOutcome {
  /** Whether a rollout waits on apps (reconcile again soon). */
  rolling: boolean;
  failed: boolean;
}

export async function reconcileSet(deps: SetReconcileDeps, set: ApplicationSet): Promise<SetOutcome> {
  const name = set.metadata.name;
  const fail = async (type: string, message: string): Promise<SetOutcome> => {
    deps.log.warn({ applicationSet: name, reason: type }, message);
    await writeStatus(deps, set, { conditions: [{ type, message }] });
    return { rolling: false, failed: true };
  };
  const invalid = validateApplicationSet(set);
  if (invalid.length > 0) return fail('InvalidSpecError', invalid.join('; '));
  const generation = await generateApplications(set, deps.sources(), {
    namespace: deps.apps.namespace,
    allowLocalRepos: deps.allowLocalRepos,
  });
  if (!generation.ok)
    return fail(generation.kind, `${generation.message}; the generated apps are kept as they are`);
  const project = setProject(set);
  const projectSpec = typeof project === 'string' ? (await deps.apps.fetchProject(project))?.spec : undefined;
  const existing = deps.apps.list();
  const plan = planSet({
    set,
    generated: generation.apps,
    existing,
    projectSpec,
    maxApplications: Math.min(set.spec.maxApplications ?? Number.POSITIVE_INFINITY, deps.maxApplications),
  });
  if (plan.refusal) return fail('GenerationRefused', `${plan.refusal}; nothing was changed`);
  const live = new Map(existing.map((app) => [app.metadata.name, app]));
  const decision = decideRollout(
    set,
    plan,
    live,
    parseRolloutAction(set.metadata.annotations?.[ROLLOUT_ACTION_ANNOTATION]),
  );
  const writeErrors: string[] = [];
  const attempt = async (what: string, write: () => Promise<unknown>) => {
    try {
      await write();
      deps.log.info({ applicationSet: name }, what);
    } catch (error) {
      writeErrors.push(`${what}: ${errorMessage(error)}`);
    }
  };
  const preserveResources = set.spec.syncPolicy?.preserveResourcesOnDeletion === true;
  await Promise.all([
    ...decision.create.map((app) =>
      attempt(`created Application ${app.metadata.name}`, () => createApplication(deps.rest, app)),
    ),
    ...decision.update.map((app) => {
      const current = live.get(app.metadata.name);
      return current
        ? attempt(`updated Application ${app.metadata.name}`, () =>
            updateApplication(deps.rest, current, app),
          )
        : undefined;
    }),
    ...plan.delete.map((app) =>
      attempt(`deleted Application ${app.metadata.name}`, () =>
        deleteApplication(deps.rest, app, { preserveResources, cascadeFinalizer: RESOURCES_FINALIZER }),
      ),
    ),
  ]);
  const conditions: Condition[] = [];
  if (plan.refused.length > 0) {
    conditions.push({
      type: 'ApplicationRefused',
      message: plan.refused
        .slice(0, 5)
        .map((r) => `${r.name}: ${r.message}`)
        .join('; '),
    });
  }
  if (writeErrors.length > 0)
    conditions.push({ type: 'WriteError', message: writeErrors.slice(0, 5).join('; ') });
  if (decision.rollout?.phase === 'Stopped') {
    conditions.push({ type: 'RolloutStopped', message: decision.rollout.message ?? 'the rollout stopped' });
  }
  await writeStatus(deps, set, {
    conditions,
    applicationStatus: decision.applicationStatus,
    ...(decision.rollout ? { rollout: decision.rollout } : {}),
    generatedAt: new Date().toISOString(),
  });
  return { rolling: decision.rollout?.phase === 'Progressing', failed: writeErrors.length > 0 };
}

/**
 * Writes the status; fields not given keep their last value (a failed generation keeps the apps'
 * status and the rollout), a condition seen before keeps its transition time, and
 * observedGeneration says which spec it describes.
 */
async function writeStatus(
  deps: SetReconcileDeps,
  set: ApplicationSet,
  next: ApplicationSetStatus,
): Promise<void> {
  const previous = set.status ?? {};
  const now = new Date().toISOString();
  const conditions = (next.conditions ?? []).map((c) => {
    const before = previous.conditions?.find((p) => p.type === c.type && p.message === c.message);
    return { ...c, lastTransitionTime: before?.lastTransitionTime ?? now };
  });
  // Written on every exit, so a client that changed the spec can wait for this generation and
  // then read what the set did with it (apps created, kept, deleted, or the failure).
  const observed = set.metadata.generation;
  const status: ApplicationSetStatus = {
    ...previous,
    ...next,
    conditions,
    ...(observed !== undefined ? { observedGeneration: observed } : {}),
  };
  if (JSON.stringify(status) === JSON.stringify(previous)) return;
  await deps.sets.writeStatus(set.metadata.name, status);
}
