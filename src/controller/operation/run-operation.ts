import type { Destination } from '../../adapters/control-plane/destination-registry.ts';
import { builtinHealth, type HealthAssessor } from '../../core/health/assessor.ts';
import { parseKey } from '../../core/manifest/key.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import {
  type ActionResult,
  erroredState,
  initialState,
  type LiveObservation,
  mustBeSavedBefore,
  nextStep,
  planSync,
  type SyncInput,
  type SyncOperationState,
  type SyncPlan,
} from '../../core/sync/index.ts';
import { executeAction } from './execute-action.ts';

export interface OperationStepResult {
  state: SyncOperationState;
  done: boolean;
  waitingFor: string[];
}

// Actions and their results alternate; a step that returns actions is followed at once by the
// next, so one reconcile runs a sync as far as it can go without waiting on the cluster.
const MAX_ROUNDS = 12;

/**
 * Advances a sync operation: plans it again from the current desired and live state (the plan
 * is deterministic, so the persisted state finds its tasks), then alternates between the state
 * machine's decisions and running them, until it has to wait for the cluster or is done.
 */
export async function advanceOperation(
  appName: string,
  input: SyncInput,
  previous: SyncOperationState | undefined,
  destination: Destination,
  onApplied?: (result: KubeObject) => void,
  persist?: (state: SyncOperationState) => Promise<void>,
  assess: HealthAssessor = builtinHealth,
): Promise<OperationStepResult> {
  const planned = planSync(input);
  const now = () => new Date().toISOString();
  if (!planned.ok) {
    return {
      state: erroredState(input.operationId, planned.error.message, now()),
      done: true,
      waitingFor: [],
    };
  }
  let state = previous ?? initialState(planned.plan, now());
  let results: ActionResult[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const step = nextStep(planned.plan, state, {
      live: await observe(planned.plan, destination, assess),
      results,
      now: now(),
    });
    state = step.state;
    if (step.done || step.actions.length === 0)
      return { state, done: step.done, waitingFor: step.waitingFor };
    // The state is saved before an action that must not run twice: a controller killed after
    // it finds the operation (and the fixed names of its hooks) and goes on from there. Applies
    // and deletions of the app's own objects need no save first: repeated, they do the same, and
    // a sync resumed without their state plans them again from the live objects; their state is
    // written with the reconcile's status. At 1,000 apps the saves before them were two of every
    // first sync's three status writes (docs/performance.md, "A fleet from a cold start").
    if (step.actions.some(mustBeSavedBefore)) await persist?.(state);
    results = await Promise.all(
      step.actions.map((action) => executeAction(destination.client, appName, action, onApplied)),
    );
  }
  return { state, done: false, waitingFor: ['more steps'] };
}

/** What the cache shows of every object the plan touches: health, completion, identity. */
async function observe(
  plan: SyncPlan,
  destination: Destination,
  assess: HealthAssessor,
): Promise<Record<string, LiveObservation>> {
  const live: Record<string, LiveObservation> = {};
  for (const task of plan.tasks) {
    const key = parseKey(task.key);
    if (!key) continue;
    const obj = destination.cache.get(key);
    if (!obj) continue;
    const health = (await assess(obj)) ?? { status: 'Healthy' as const, message: '' };
    const observation: LiveObservation = { health: health.status, message: health.message };
    if (obj.metadata.uid) observation.uid = obj.metadata.uid;
    if (typeof obj.metadata.generation === 'number') observation.generation = obj.metadata.generation;
    live[task.key] = observation;
  }
  return live;
}
