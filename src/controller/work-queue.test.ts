import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { WorkQueue } from './work-queue.ts';

/** Lets every settled promise run its callbacks (the queue's `finally`), with no clock involved. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A queue whose handler holds each run until the test finishes it: `running` lists the keys
 * being processed now, `runs` every key started, in order.
 */
function gatedQueue(concurrency: number, onError?: (key: string, error: unknown) => void) {
  const runs: string[] = [];
  const running = new Map<string, { finish: () => void; fail: (error: Error) => void }>();
  let maxConcurrent = 0;
  const queue = new WorkQueue({
    concurrency,
    onError,
    handler: (key) =>
      new Promise<void>((resolve, reject) => {
        assert.ok(!running.has(key), `${key} runs twice at the same time`);
        runs.push(key);
        running.set(key, {
          finish: () => {
            running.delete(key);
            resolve();
          },
          fail: (error) => {
            running.delete(key);
            reject(error);
          },
        });
        maxConcurrent = Math.max(maxConcurrent, running.size);
      }),
  });
  const finish = async (key: string) => {
    const run = running.get(key);
    assert.ok(run, `${key} is not running (running: ${[...running.keys()]})`);
    run.finish();
    await settle();
  };
  return { queue, runs, running, finish, maxConcurrent: () => maxConcurrent };
}

function fakeClock(t: TestContext) {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.parse('2026-01-01T00:00:00Z') });
  return t.mock.timers;
}

test('a key added while it is processed runs once more afterwards, never twice at the same time', async () => {
  const { queue, runs, finish } = gatedQueue(4);
  queue.add('a');
  queue.add('a'); // during the run: remembered once
  queue.add('a');
  assert.deepEqual(runs, ['a']);
  await finish('a');
  assert.deepEqual(runs, ['a', 'a'], 'the change seen during the run is processed');
  await finish('a');
  await queue.idle();
  assert.deepEqual(runs, ['a', 'a']);
});

test('waiting duplicates collapse and different keys run in parallel up to the limit', async () => {
  const { queue, runs, running, finish, maxConcurrent } = gatedQueue(2);
  for (const key of ['a', 'b', 'c', 'c', 'd', 'd']) queue.add(key);
  assert.deepEqual([...running.keys()], ['a', 'b']);
  await finish('a');
  await finish('b');
  assert.deepEqual([...running.keys()], ['c', 'd']);
  await finish('c');
  await finish('d');
  await queue.idle();
  assert.deepEqual(runs, ['a', 'b', 'c', 'd']);
  assert.equal(maxConcurrent(), 2);
});

test('a short requeue then a long one: the long one does not delay the short one', async (t) => {
  const clock = fakeClock(t);
  const { queue, runs } = gatedQueue(1);
  queue.addAfter('x', 1_000); // a retry soon
  queue.addAfter('x', 180_000); // then the poll: must not push the retry back
  assert.equal(queue.scheduledAt('x'), Date.now() + 1_000);
  clock.tick(999);
  assert.deepEqual(runs, []);
  clock.tick(1);
  assert.deepEqual(runs, ['x']);
  queue.stop();
});

test('a long requeue then a short one: the short one wins', async (t) => {
  const clock = fakeClock(t);
  const { queue, runs } = gatedQueue(1);
  queue.addAfter('x', 180_000);
  queue.addAfter('x', 1_000);
  clock.tick(1_000);
  assert.deepEqual(runs, ['x']);
  clock.tick(180_000);
  assert.deepEqual(runs, ['x'], 'the long timer was replaced, not kept as well');
  queue.stop();
});

test('forget drops a scheduled run and a change seen during the run', async (t) => {
  const clock = fakeClock(t);
  const { queue, runs, finish } = gatedQueue(1);
  queue.addAfter('gone', 1_000);
  queue.forget('gone');
  assert.equal(queue.scheduledAt('gone'), undefined);
  clock.tick(5_000);
  assert.deepEqual(runs, []);

  queue.add('deleted');
  queue.add('deleted'); // a change during the run …
  queue.forget('deleted'); // … of an app that was then deleted
  await finish('deleted');
  await queue.idle();
  assert.deepEqual(runs, ['deleted']);
  queue.stop();
});

test('stop drops waiting and scheduled keys and refuses new ones; the run in progress ends', async (t) => {
  const clock = fakeClock(t);
  const { queue, runs, finish } = gatedQueue(1);
  queue.add('a');
  queue.add('b'); // waiting behind a
  queue.addAfter('c', 1_000);
  queue.stop();
  queue.add('d');
  queue.addAfter('e', 10);
  clock.tick(10_000);
  await finish('a');
  await queue.idle();
  assert.deepEqual(runs, ['a']);
  assert.equal(queue.scheduledAt('c'), undefined);
});

test('a failed run goes to onError and the queue goes on', async () => {
  const errors: string[] = [];
  const { queue, runs, running, finish } = gatedQueue(1, (key, error) =>
    errors.push(`${key}: ${(error as Error).message}`),
  );
  queue.add('x');
  queue.add('y');
  running.get('x')?.fail(new Error('boom'));
  await settle();
  assert.deepEqual(errors, ['x: boom']);
  await finish('y');
  await queue.idle();
  assert.deepEqual(runs, ['x', 'y']);
});

test('urgent keys are taken before every ordinary one, and an ordinary waiting key can become urgent', async () => {
  const { queue, runs, finish } = gatedQueue(1);
  queue.add('busy');
  for (const key of ['poll-1', 'poll-2', 'poll-3']) queue.add(key);
  queue.add('changed', { urgent: true });
  queue.add('poll-3', { urgent: true }); // already waiting: moved ahead, not added twice
  await finish('busy');
  await finish('changed');
  await finish('poll-3');
  await finish('poll-1');
  await finish('poll-2');
  await queue.idle();
  assert.deepEqual(runs, ['busy', 'changed', 'poll-3', 'poll-1', 'poll-2']);
});

test("an urgent add during the key's own run runs it again ahead of the ordinary lane", async () => {
  const { queue, runs, finish } = gatedQueue(1);
  queue.add('syncing');
  queue.add('poll-1');
  queue.add('syncing', { urgent: true });
  await finish('syncing');
  assert.deepEqual(runs, ['syncing', 'syncing'], 'the urgent rerun goes before poll-1');
  await finish('syncing');
  await finish('poll-1');
  await queue.idle();
  assert.deepEqual(runs, ['syncing', 'syncing', 'poll-1']);
});

test('addAfter keeps the lane it was asked for', async (t) => {
  const clock = fakeClock(t);
  const { queue, runs, finish } = gatedQueue(1);
  queue.add('busy');
  queue.addAfter('step', 500, { urgent: true });
  queue.add('poll-1');
  clock.tick(500);
  await finish('busy');
  assert.deepEqual(runs, ['busy', 'step']);
  await finish('step');
  await finish('poll-1');
  await queue.idle();
});

test('with a worker reserved, the ordinary lane leaves it free and an urgent key starts at once', async () => {
  const runs: string[] = [];
  const finishers = new Map<string, () => void>();
  const queue = new WorkQueue({
    concurrency: 2,
    urgentReserve: 1,
    handler: (key) =>
      new Promise<void>((resolve) => {
        runs.push(key);
        finishers.set(key, resolve);
      }),
  });
  queue.add('poll-1');
  queue.add('poll-2');
  assert.deepEqual(runs, ['poll-1'], 'the second ordinary key waits: one worker is kept');
  queue.add('step', { urgent: true });
  assert.deepEqual(runs, ['poll-1', 'step'], 'the urgent key takes the reserved worker at once');
  finishers.get('step')?.();
  await settle();
  finishers.get('poll-1')?.();
  await settle();
  assert.deepEqual(runs, ['poll-1', 'step', 'poll-2']);
  finishers.get('poll-2')?.();
  await queue.idle();
});

test('while urgent work is under way (running, waiting, or its next step due soon) few ordinary keys run', async (t: TestContext) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const runs: string[] = [];
  const finishers = new Map<string, () => void>();
  const queue = new WorkQueue({
    concurrency: 4,
    urgentReserve: 1,
    ordinaryBesideUrgent: 1,
    handler: (key) =>
      new Promise<void>((resolve) => {
        runs.push(key);
        finishers.set(key, resolve);
      }),
  });
  const finish = async (key: string) => {
    finishers.get(key)?.();
    await settle();
  };
  queue.add('changed', { urgent: true });
  for (const key of ['same-1', 'same-2', 'same-3']) queue.add(key);
  assert.deepEqual(runs, ['changed', 'same-1'], 'one confirmation beside the changed app');
  // The sync's next step is due in 500 ms: still under way, the other confirmations wait.
  queue.addAfter('changed', 500, { urgent: true });
  await finish('changed');
  await finish('same-1');
  assert.deepEqual(runs, ['changed', 'same-1', 'same-2']);
  t.mock.timers.tick(500);
  await settle();
  assert.deepEqual(runs, ['changed', 'same-1', 'same-2', 'changed']);
  // Its last step done with nothing more due: the rest run together.
  await finish('changed');
  assert.deepEqual(runs, ['changed', 'same-1', 'same-2', 'changed', 'same-3']);
  await finish('same-2');
  await finish('same-3');
  // A retry far off (10 s) is not work under way.
  queue.addAfter('failed', 10_000, { urgent: true });
  for (const key of ['poll-1', 'poll-2', 'poll-3']) queue.add(key);
  assert.deepEqual(runs.slice(-3), ['poll-1', 'poll-2', 'poll-3']);
  for (const key of ['poll-1', 'poll-2', 'poll-3']) await finish(key);
  queue.stop();
});
