import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkQueue } from './work-queue.ts';

test('a key added while it is processed runs once more, never twice at the same time', async () => {
  const runs: string[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const queue = new WorkQueue({
    concurrency: 4,
    handler: async (key) => {
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      runs.push(key);
      await sleep(20);
      concurrent--;
    },
  });
  queue.add('a');
  await sleep(5);
  queue.add('a');
  queue.add('a');
  await queue.idle();
  assert.deepEqual(runs, ['a', 'a']);
  assert.equal(maxConcurrent, 1);
});

test('waiting duplicates collapse and different keys run in parallel up to the limit', async () => {
  let concurrent = 0;
  let maxConcurrent = 0;
  const seen: string[] = [];
  const queue = new WorkQueue({
    concurrency: 2,
    handler: async (key) => {
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      seen.push(key);
      await sleep(10);
      concurrent--;
    },
  });
  for (const key of ['a', 'b', 'c', 'c', 'd', 'd']) queue.add(key);
  await queue.idle();
  assert.deepEqual(seen.sort(), ['a', 'b', 'c', 'd']);
  assert.equal(maxConcurrent, 2);
});

test('addAfter keeps the earliest due time and errors go to onError', async () => {
  const errors: string[] = [];
  const seen: string[] = [];
  const queue = new WorkQueue({
    concurrency: 1,
    handler: async (key) => {
      seen.push(key);
      throw new Error(`boom ${key}`);
    },
    onError: (key, error) => errors.push(`${key}: ${(error as Error).message}`),
  });
  queue.addAfter('x', 10_000);
  queue.addAfter('x', 10);
  await sleep(60);
  await queue.idle();
  assert.deepEqual(seen, ['x']);
  assert.deepEqual(errors, ['x: boom x']);
  queue.stop();
});

test('a scheduled key says when it is due; an earlier schedule wins', () => {
  const queue = new WorkQueue({ concurrency: 1, handler: async () => {} });
  const before = Date.now();
  queue.addAfter('a', 60_000);
  queue.addAfter('a', 120_000);
  const due = queue.scheduledAt('a') ?? 0;
  assert.ok(due >= before + 60_000 && due < before + 120_000, String(due - before));
  assert.equal(queue.scheduledAt('b'), undefined);
  queue.stop();
  assert.equal(queue.scheduledAt('a'), undefined);
});
