import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GateFullError, WorkGate } from './work-gate.ts';

test('at most `limit` jobs run at once; a full queue is refused, not grown', async () => {
  const gate = new WorkGate({ limit: 2, maxWaiting: 3 });
  let running = 0;
  let most = 0;
  const releases: (() => void)[] = [];
  const job = () =>
    gate.run(async () => {
      running++;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => releases.push(resolve));
      running--;
    });
  const jobs = Array.from({ length: 5 }, job);
  await assert.rejects(job(), GateFullError);
  const settled = Promise.all(jobs);
  let finished = false;
  void settled.then(() => {
    finished = true;
  });
  // Let each waiting job start, then release whatever runs, until all five are done.
  while (!finished) {
    await new Promise((resolve) => setImmediate(resolve));
    for (const release of releases.splice(0)) release();
  }
  assert.equal(most, 2);
});

test('a job that throws still passes its turn on', async () => {
  const gate = new WorkGate({ limit: 1, maxWaiting: 1 });
  await assert.rejects(
    gate.run(async () => Promise.reject(new Error('boom'))),
    /boom/,
  );
  assert.equal(await gate.run(async () => 'next'), 'next');
});
