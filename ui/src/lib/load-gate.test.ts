import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoadGate } from './load-gate.ts';

/** Loads that end when the test says so, in the order it chooses. */
function controlledLoads() {
  const waiting: ((value: number) => void)[] = [];
  let started = 0;
  const load = () =>
    new Promise<number>((resolve) => {
      started++;
      waiting.push(resolve);
    });
  const settle = async (value: number) => {
    waiting.shift()?.(value);
    // Let the gate's then/finally run.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { load, settle, started: () => started };
}

test('an answer slower than the next request is still shown, and requests never overlap', async () => {
  const loads = controlledLoads();
  const shown: number[] = [];
  const gate = new LoadGate(
    loads.load,
    (v) => shown.push(v),
    (e) => assert.fail(String(e)),
  );
  gate.request();
  // Three ticks while the first load runs: one more load after it, not three, not at once.
  gate.request();
  gate.request();
  gate.request();
  assert.equal(loads.started(), 1);
  await loads.settle(1);
  assert.deepEqual(shown, [1], 'the slow answer is not dropped for a newer tick');
  assert.equal(loads.started(), 2);
  await loads.settle(2);
  assert.deepEqual(shown, [1, 2]);
  assert.equal(loads.started(), 2, 'nothing else was asked');
});

test('after close (what is loaded changed) an answer on its way is dropped', async () => {
  const loads = controlledLoads();
  const shown: number[] = [];
  const errors: unknown[] = [];
  const gate = new LoadGate(
    loads.load,
    (v) => shown.push(v),
    (e) => errors.push(e),
  );
  gate.request();
  gate.close();
  gate.request();
  await loads.settle(7);
  assert.deepEqual([shown, errors, loads.started()], [[], [], 1]);
});

test('a failed load is reported and the next request loads again', async () => {
  const errors: string[] = [];
  let calls = 0;
  const gate = new LoadGate(
    () => (++calls === 1 ? Promise.reject(new Error('502')) : Promise.resolve(calls)),
    (v) => errors.push(`data ${v}`),
    (e) => errors.push((e as Error).message),
  );
  gate.request();
  for (let i = 0; i < 5; i++) await Promise.resolve();
  gate.request();
  for (let i = 0; i < 5; i++) await Promise.resolve();
  assert.deepEqual(errors, ['502', 'data 2']);
});
