import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import type {
  KubeConfig,
  KubernetesListObject,
  KubernetesObject,
  ListPromise,
} from '@kubernetes/client-node';
import type { CachingInformer } from '../kube/informer-restart.ts';
import { KindWatch } from './kind-watch.ts';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * An informer that fails as the client's does: 'connect' before the list is sent, an 'error'
 * after a failed list, and then it stays stopped. The test decides whether lists succeed and
 * what they return.
 */
function fakeControlPlane() {
  const server = { up: false, starts: 0, items: [] as KubernetesObject[] };
  let cached: KubernetesObject[] = [];
  const make = (_kc: KubeConfig, _path: string, listFn: ListPromise<KubernetesObject>) => {
    const callbacks = new Map<string, ((arg?: unknown) => void)[]>();
    const fire = (verb: string, arg?: unknown) => {
      for (const cb of callbacks.get(verb) ?? []) cb(arg);
    };
    return {
      on(verb: string, cb: (arg?: unknown) => void) {
        callbacks.set(verb, [...(callbacks.get(verb) ?? []), cb]);
      },
      async start() {
        server.starts++;
        fire('connect');
        try {
          const list = await listFn();
          cached = list.items;
          for (const item of cached) fire('add', item);
        } catch (error) {
          fire('error', error);
        }
      },
      async stop() {},
      list: () => cached,
    } as unknown as CachingInformer;
  };
  const list: ListPromise<KubernetesObject> = async () => {
    if (!server.up) throw new Error('connect ECONNREFUSED');
    return { items: server.items, metadata: {} } as unknown as KubernetesListObject<KubernetesObject>;
  };
  return { server, make, list };
}

function watchOf(t: TestContext) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const fake = fakeControlPlane();
  const watch = new KindWatch({} as KubeConfig, 'tiphys', 'pipelines', {
    make: fake.make,
    list: fake.list,
    backoff: { baseMs: 100, maxMs: 1_000 },
  });
  const tick = async (ms: number) => {
    t.mock.timers.tick(ms);
    await settle();
  };
  return { ...fake, watch, tick };
}

test('a kind watch is trusted only after a list worked, not on connect', async (t) => {
  const { server, watch, tick } = watchOf(t);
  const changes: string[] = [];
  watch.onChange(() => changes.push('change'));
  watch.start();
  await settle();
  assert.equal(server.starts, 1);
  assert.equal(watch.watching, false, 'the list failed: an empty cache says nothing');
  assert.deepEqual(changes, ['change'], 'the broken watch sends its loop back to the clock');
  server.up = true;
  server.items = [{ apiVersion: 'tiphys.dev/v1alpha1', kind: 'Pipeline', metadata: { name: 'p' } }];
  await tick(100);
  assert.equal(server.starts, 2, 'restarted after the backoff');
  assert.equal(watch.watching, true);
  assert.equal(watch.count, 1);
  await watch.stop();
  assert.equal(watch.watching, false, 'a stopped watch is not trusted');
});

test('a control plane refusing every list is asked again at doubling waits, not at the base delay', async (t) => {
  const { server, watch, tick } = watchOf(t);
  watch.start();
  await settle();
  const startsAfter = async (ms: number) => {
    await tick(ms);
    return server.starts;
  };
  assert.deepEqual([await startsAfter(99), await startsAfter(1)], [1, 2], 'first restart after 100 ms');
  assert.deepEqual([await startsAfter(199), await startsAfter(1)], [2, 3], 'then after 200 ms');
  assert.deepEqual([await startsAfter(399), await startsAfter(1)], [3, 4], 'then after 400 ms');
  assert.equal(watch.watching, false);
  await watch.stop();
  assert.equal(await startsAfter(5_000), 4, 'no restart once stopped');
});
