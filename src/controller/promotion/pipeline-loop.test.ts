import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KindPresence } from '../../adapters/control-plane/kind-watch.ts';
import { PipelineLoop } from './pipeline-loop.ts';
import type { PipelineReconcileDeps } from './reconcile-pipeline.ts';

/** A watch the test controls: how many Pipelines it has seen, and its change events. */
function fakePresence(count: number, watching = true) {
  const callbacks: (() => void)[] = [];
  const presence = {
    watching,
    count,
    onChange: (callback: () => void) => callbacks.push(callback),
    change: () => {
      for (const callback of callbacks) callback();
    },
  };
  return presence satisfies KindPresence;
}

/** Deps whose only used part, the REST client, counts the lists of Pipelines (none listed). */
function countingDeps() {
  const lists: string[] = [];
  const deps = {
    namespace: 'tiphys',
    rest: {
      request: async (method: string, path: string) => {
        lists.push(`${method} ${path}`);
        return { items: [] };
      },
    },
    log: { warn: () => {}, error: () => {} },
  } as unknown as PipelineReconcileDeps;
  return { deps, lists };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

test('with no Pipeline, the loop lists nothing and keeps no timer; the first one created wakes it', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const presence = fakePresence(0);
  const { deps, lists } = countingDeps();
  const loop = new PipelineLoop(deps, 3_000, presence);
  loop.start();
  loop.poke(); // an app's outcome changed
  t.mock.timers.tick(30_000);
  await settle();
  assert.deepEqual(lists, [], 'no list while the watch says there is no Pipeline');
  presence.count = 1;
  presence.change();
  await settle();
  assert.equal(lists.length, 1, 'the watch event of the first Pipeline runs a pass');
  t.mock.timers.tick(3_000);
  await settle();
  assert.equal(lists.length, 2, 'and the clock runs again while there is one');
  await loop.stop();
});

test('a watch that cannot be trusted (not connected) leaves the clock running', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const { deps, lists } = countingDeps();
  const loop = new PipelineLoop(deps, 3_000, fakePresence(0, false));
  loop.start();
  await settle();
  t.mock.timers.tick(3_000);
  await settle();
  assert.equal(lists.length, 2);
  await loop.stop();
});
