import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertWriteAllowed } from '../adapters/kube/write-fence.ts';
import { AppSchedule } from './app-schedule.ts';
import { toLogger } from './log.ts';
import { ControllerMetrics } from './metrics.ts';
import type { ReconcileOutcome } from './reconcile/reconciler.ts';

test('after a reconcile only a running operation or a retriable failure keeps a timer of its own', async () => {
  const outcomes: Record<string, ReconcileOutcome> = {
    synced: {},
    invalid: { failure: { condition: 'InvalidSpecError', terminal: true } },
    syncing: { requeueAfterMs: 500, urgent: true },
    unreachable: { failure: { condition: 'ComparisonError', terminal: false }, requeueAfterMs: 10_000 },
  };
  const schedule = new AppSchedule({
    concurrency: 2,
    reconcile: async (name) => outcomes[name],
    isActive: () => true,
    apps: () => [],
    onOutcomeChanged: () => {},
    metrics: new ControllerMetrics(),
    log: toLogger(undefined),
  });
  schedule.refreshPushed(Object.keys(outcomes));
  await schedule.queue.idle();
  const timed = Object.keys(outcomes).filter((name) => schedule.queue.scheduledAt(name) !== undefined);
  assert.deepEqual(timed, ['syncing', 'unreachable']);
  schedule.queue.stop();
});

test("a push's apps are reconciled with the push's time as listedSince, kept by their own requeues", async () => {
  const asked: [string, number][] = [];
  let steps = 0;
  const schedule = new AppSchedule({
    concurrency: 2,
    reconcile: async (name, { listedSince }) => {
      asked.push([name, listedSince]);
      // The changed app's sync takes one more step: its requeue keeps the push's time.
      return name === 'changed' && steps++ === 0 ? { requeueAfterMs: 1, urgent: true } : {};
    },
    isActive: () => true,
    apps: () => [],
    onOutcomeChanged: () => {},
    metrics: new ControllerMetrics(),
    log: toLogger(undefined),
  });
  schedule.refreshPushed(['changed', 'same'], new Set(['changed']), 1_000);
  // The requeue's timer (1 ms) adds it again: wait for that run.
  while (asked.length < 3) await new Promise((resolve) => setImmediate(resolve));
  await schedule.queue.idle();
  assert.deepEqual(asked, [
    ['changed', 1_000],
    ['same', 1_000],
    ['changed', 1_000],
  ]);
  // Anything else asks for a listing from after it.
  const before = Date.now();
  schedule.refresh('same');
  await schedule.queue.idle();
  assert.ok((asked.at(-1)?.[1] ?? 0) >= before);
  schedule.queue.stop();
});

/** A schedule whose reconcile of `app` sends the watch events given while it runs. */
function echoSchedule(seen: (id: string, version?: string) => boolean) {
  const runs: string[] = [];
  let during: ((schedule: AppSchedule) => void) | undefined;
  const schedule: AppSchedule = new AppSchedule({
    concurrency: 2,
    reconcile: async (name) => {
      runs.push(name);
      const events = during;
      during = undefined;
      events?.(schedule);
      return {};
    },
    isActive: () => true,
    apps: () => [],
    onOutcomeChanged: () => {},
    hasSeen: (_name, change) => seen(change.id, change.resourceVersion),
    metrics: new ControllerMetrics(),
    log: toLogger(undefined),
  });
  return { schedule, runs, whileRunning: (events: (s: AppSchedule) => void) => (during = events) };
}

test("the watch echo of an app's own apply does not reconcile it again; any other version does", async () => {
  // The reconcile applied cm (its answer: version 7); the cache's verdict knows it.
  const { schedule, runs, whileRunning } = echoSchedule((id, version) => id === 'cm' && version === '7');
  whileRunning((s) => s.liveObjectChanged('app', { type: 'update', id: 'cm', resourceVersion: '7' }));
  schedule.refresh('app');
  await schedule.queue.idle();
  assert.deepEqual(runs, ['app'], 'the echo arrived while it ran: no second run');

  // Someone edits the object (version 8): reconciled, as self-heal must.
  schedule.liveObjectChanged('app', { type: 'update', id: 'cm', resourceVersion: '8' });
  await schedule.queue.idle();
  assert.deepEqual(runs, ['app', 'app']);

  // An echo beside an unseen change, or a deletion, still reconciles.
  schedule.liveObjectChanged('app', { type: 'update', id: 'cm', resourceVersion: '7' });
  schedule.liveObjectChanged('app', { type: 'delete', id: 'cm', resourceVersion: '7' });
  await schedule.queue.idle();
  assert.deepEqual(runs, ['app', 'app', 'app']);
  schedule.queue.stop();
});

test('an echo never cancels a reconcile asked for by anything else', async () => {
  const { schedule, runs, whileRunning } = echoSchedule(() => true);
  // A person's refresh arrives beside the echo while the app runs: the next run happens.
  whileRunning((s) => {
    s.liveObjectChanged('app', { type: 'update', id: 'cm', resourceVersion: '7' });
    s.refresh('app');
  });
  schedule.refresh('app');
  await schedule.queue.idle();
  assert.deepEqual(runs, ['app', 'app']);
  // The same after a push.
  whileRunning((s) => {
    s.refreshPushed(['app']);
    s.liveObjectChanged('app', { type: 'add', id: 'cm', resourceVersion: '7' });
  });
  schedule.refresh('app');
  await schedule.queue.idle();
  assert.deepEqual(runs, ['app', 'app', 'app', 'app']);
  schedule.queue.stop();
});

test("an app's own timer (a sync's next step) runs even when echoes ran and joined it meanwhile", async () => {
  const runs: string[] = [];
  let release: () => void = () => {};
  const schedule: AppSchedule = new AppSchedule({
    // One worker: a blocked app holds the app's run back until its timer has fired.
    concurrency: 1,
    reconcile: async (name) => {
      runs.push(name);
      if (name === 'blocker') await new Promise<void>((resolve) => (release = resolve));
      return runs.length === 1 ? { requeueAfterMs: 300, urgent: true } : {};
    },
    isActive: () => true,
    apps: () => [],
    onOutcomeChanged: () => {},
    hasSeen: () => true,
    metrics: new ControllerMetrics(),
    log: toLogger(undefined),
  });
  const echo = () => schedule.liveObjectChanged('app', { type: 'update', id: 'cm', resourceVersion: '7' });
  schedule.refresh('app');
  await schedule.queue.idle();
  // An echo runs while the step is due: it must not use up the step's mark.
  echo();
  await schedule.queue.idle();
  schedule.refresh('blocker');
  echo();
  while (schedule.queue.scheduledAt('app') !== undefined) await new Promise((r) => setTimeout(r, 10));
  release();
  await schedule.queue.idle();
  assert.deepEqual(
    runs.filter((name) => name === 'app').length,
    3,
    `the step ran after the echoes: ${runs.join(', ')}`,
  );
  schedule.queue.stop();
});

test("sharding: a reconcile's writes ask, each at its moment, whether this replica may still write for the app", async () => {
  let holds = true;
  const results: string[] = [];
  const schedule = new AppSchedule({
    concurrency: 1,
    reconcile: async (name) => {
      const write = (what: string) => {
        try {
          assertWriteAllowed(what);
          results.push(`${what} sent`);
        } catch (error) {
          results.push((error as Error).message);
        }
      };
      write('status of the first step');
      // The Lease lapses mid-reconcile (a pause, a partition): the next write is refused.
      holds = false;
      await new Promise((resolve) => setImmediate(resolve));
      write(`apply for ${name}`);
      return {};
    },
    isActive: () => true,
    owns: () => true,
    mayWrite: () => holds,
    apps: () => [],
    onOutcomeChanged: () => {},
    metrics: new ControllerMetrics(),
    log: toLogger(undefined),
  });
  schedule.refresh('shop');
  await schedule.queue.idle();
  assert.deepEqual(results, [
    'status of the first step sent',
    'apply for shop not sent: this replica no longer owns the cluster of Application shop',
  ]);
  assert.doesNotThrow(
    () => assertWriteAllowed('a write of no reconcile'),
    'the fence ends with the reconcile',
  );
  schedule.queue.stop();
});

test('an app whose objects churn while it waits is reconciled without a list of every change', async () => {
  const { schedule, runs, whileRunning } = echoSchedule(() => true);
  whileRunning((s) => {
    for (let i = 0; i < 100; i++)
      s.liveObjectChanged('app', { type: 'update', id: `pod-${i}`, resourceVersion: String(i) });
  });
  schedule.refresh('app');
  await schedule.queue.idle();
  assert.deepEqual(runs, ['app', 'app'], 'past the cap the app runs, even if each change was seen');
  schedule.queue.stop();
});
