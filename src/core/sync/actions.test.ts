import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mustBeSavedBefore } from './actions.ts';
import { planSync } from './plan.ts';
import { initialState } from './state.ts';
import { nextStep } from './step.ts';
import { desiredOf, FakeCluster, liveOf, type Spec } from './test-harness.ts';

const config: Spec = { kind: 'ConfigMap', name: 'config' };
const orphan: Spec = { kind: 'ConfigMap', name: 'orphan' };
const migrate: Spec = { kind: 'Job', name: 'migrate', hook: ['PreSync'], deletePolicies: ['HookSucceeded'] };

/** Each round of actions the sync sends, and whether its state is saved before it. */
function rounds(desired: Spec[], live: Spec[] = []): { actions: string[]; saved: boolean }[] {
  const planned = planSync({
    operationId: 'op-1',
    desired: desired.map(desiredOf),
    live: live.map(liveOf),
    prune: true,
  });
  assert.ok(planned.ok, planned.ok ? '' : planned.error.message);
  const cluster = new FakeCluster(
    {},
    live.map((s) => desiredOf(s).key),
  );
  const seen: { actions: string[]; saved: boolean }[] = [];
  let state = initialState(planned.plan);
  let results = cluster.execute({ state, actions: [], waitingFor: [], done: false });
  for (let i = 0; i < 20; i++) {
    const step = nextStep(planned.plan, state, { live: cluster.live(), results });
    state = step.state;
    if (step.done) return seen;
    const before = cluster.log.length;
    results = cluster.execute(step);
    if (step.actions.length > 0)
      seen.push({ actions: cluster.log.slice(before), saved: step.actions.some(mustBeSavedBefore) });
  }
  throw new Error('the sync did not end');
}

test('a sync of plain objects is saved before no round: repeated, its dry runs, applies and prunes do the same', () => {
  const seen = rounds([config], [orphan]);
  assert.deepEqual(
    seen.map((r) => r.actions.map((a) => a.split(' ')[0])),
    [['validate', 'validate'], ['delete'], ['apply']],
  );
  assert.deepEqual(
    seen.map((r) => r.saved),
    [false, false, false],
  );
});

test("a hook's run and its cleanup are saved before: a resumed operation must not run the hook again", () => {
  const seen = rounds([config, migrate]);
  const saved = seen.filter((r) => r.saved).map((r) => r.actions.join(', '));
  assert.deepEqual(saved, ['create batch/Job/app/migrate', 'cleanup delete batch/Job/app/migrate']);
  assert.ok(
    seen.some((r) => !r.saved && r.actions.includes('apply /ConfigMap/app/config')),
    'the apply is not saved before',
  );
});
