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
