import assert from 'node:assert/strict';
import { test } from 'node:test';
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
