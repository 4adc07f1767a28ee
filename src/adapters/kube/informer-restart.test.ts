import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import type {
  KubeConfig,
  KubernetesListObject,
  KubernetesObject,
  ListPromise,
} from '@kubernetes/client-node';
import { type CachingInformer, restartDelayMs, restartingInformer } from './informer-restart.ts';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * An informer that behaves as the client's does on failure: start() lists, and a list that
 * fails is reported as an 'error' after which the informer stays stopped. The test decides
 * whether the API server answers (`server.up`).
 */
function fakeInformer() {
  const server = { up: false, starts: 0, stops: 0 };
  const make = (_kc: KubeConfig, _path: string, listFn: ListPromise<KubernetesObject>) => {
    const callbacks = new Map<string, ((error?: unknown) => void)[]>();
    const fire = (verb: string, error?: unknown) => {
      for (const cb of callbacks.get(verb) ?? []) cb(error);
    };
    return {
      on(verb: string, cb: (error?: unknown) => void) {
        callbacks.set(verb, [...(callbacks.get(verb) ?? []), cb]);
      },
      async start() {
        server.starts++;
        fire('connect'); // as the client does, before the list is sent
        try {
          await listFn();
        } catch (error) {
          fire('error', error);
        }
      },
      async stop() {
        server.stops++;
      },
      fail: (error: Error) => fire('error', error),
    } as unknown as CachingInformer;
  };
  const list: ListPromise<KubernetesObject> = async () => {
    if (!server.up) throw new Error('connect ECONNREFUSED');
    return { items: [], metadata: {} } as unknown as KubernetesListObject<KubernetesObject>;
  };
  return { server, make, list };
}

function started(t: TestContext) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const fake = fakeInformer();
  const running = restartingInformer({} as KubeConfig, '/api/v1/configmaps', fake.list, {
    make: fake.make,
    backoff: { baseMs: 100, maxMs: 1_000 },
  });
  /** Moves the clock on and lets the restarted informer's list settle. */
  const tick = async (ms: number) => {
    t.mock.timers.tick(ms);
    await settle();
  };
  return { ...fake, running, tick };
}

test('the restart delay doubles per failure and stops at the cap', () => {
  const backoff = { baseMs: 500, maxMs: 30_000 };
  assert.deepEqual(
    [0, 1, 2, 3, 6, 7, 20].map((failures) => restartDelayMs(failures, backoff)),
    [500, 1_000, 2_000, 4_000, 30_000, 30_000, 30_000],
  );
});

test('an informer whose list fails is started again, each time after twice the wait, until the list succeeds', async (t) => {
  const { server, running, tick } = started(t);
  await running.start();
  await settle();
  assert.equal(server.starts, 1);
  await tick(99);
  assert.equal(server.starts, 1, 'not before the base delay');
  await tick(1);
  assert.equal(server.starts, 2, 'restarted after 100 ms');
  await tick(199);
  assert.equal(server.starts, 2, "the 'connect' before the failed list did not reset the backoff");
  await tick(1);
  assert.equal(server.starts, 3, 'restarted after 200 ms');
  await tick(400);
  assert.equal(server.starts, 4, 'restarted after 400 ms');
  server.up = true;
  await tick(800);
  assert.equal(server.starts, 5, 'restarted after 800 ms, and this list succeeds');
  await tick(10_000);
  assert.equal(server.starts, 5, 'a running informer is not started again');
});

test('a list that succeeds resets the backoff: the next failure waits the base delay again', async (t) => {
  const { server, running, tick } = started(t);
  await running.start();
  await tick(100);
  await tick(200);
  assert.equal(server.starts, 3);
  server.up = true;
  await tick(400);
  assert.equal(server.starts, 4);
  server.up = false;
  (running.informer as unknown as { fail(error: Error): void }).fail(new Error('watch dropped'));
  await tick(100);
  assert.equal(server.starts, 5, 'restarted after the base delay');
});

test('after stop, neither a pending restart nor a later error starts the informer', async (t) => {
  const { server, running, tick } = started(t);
  await running.start();
  await settle();
  await running.stop();
  assert.equal(server.stops, 1);
  await tick(10_000);
  assert.equal(server.starts, 1, 'the restart scheduled before stop did not run');
  (running.informer as unknown as { fail(error: Error): void }).fail(new Error('late error'));
  await tick(10_000);
  assert.equal(server.starts, 1, 'an error after stop schedules nothing');
});

test('a transform is what the informer keeps: the list items through it, and it is handed to the watch', async () => {
  let given: ((obj: KubernetesObject) => KubernetesObject) | undefined;
  let listed: KubernetesObject[] = [];
  const transform = (obj: KubernetesObject) => ({ ...obj, metadata: { name: obj.metadata?.name } });
  const running = restartingInformer(
    {} as KubeConfig,
    '/apis/tiphys.dev/v1alpha1/applications',
    async () =>
      ({
        items: [{ metadata: { name: 'a', managedFields: [{ manager: 'x' }] } }],
        metadata: {},
      }) as unknown as KubernetesListObject<KubernetesObject>,
    {
      transform,
      make: (_kc, _path, listFn, watchTransform) => {
        given = watchTransform;
        return {
          on() {},
          async start() {
            listed = (await listFn()).items;
          },
          async stop() {},
        } as unknown as CachingInformer;
      },
    },
  );
  await running.start();
  assert.deepEqual(listed, [{ metadata: { name: 'a' } }]);
  assert.equal(given, transform);
  await running.stop();
});
