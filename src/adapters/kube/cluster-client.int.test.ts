import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCluster, type TestCluster } from '../../../testbed/src/cluster.ts';
import { PROXIED_HOST, proxiedKubeconfig, startConnectProxy } from '../../../testbed/src/connect-proxy.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { ClusterCache } from './cluster-cache.ts';
import { ClusterClient } from './cluster-client.ts';
import { remoteKubeConfig } from './connection.ts';

const configMap = (name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name,
    namespace: 'default',
    annotations: { 'tiphys.dev/tracking-id': `demo:/ConfigMap:default/${name}` },
  },
  data,
});

describe('cluster client and cache against a real API server', () => {
  let cluster: TestCluster;
  let client: ClusterClient;
  before(async () => {
    cluster = await startCluster({ name: 'kube-adapter' });
    client = new ClusterClient(
      remoteKubeConfig('kube-adapter', cluster.server, { bearerToken: cluster.token, caData: cluster.ca }),
    );
  });
  after(async () => {
    client?.rest.close();
    await cluster?.stop();
  });

  test('server-side apply, dry run, read and delete keep the wire JSON', async () => {
    const dry = await client.apply(configMap('dry', { a: '1' }), { dryRun: true });
    assert.equal(dry.metadata.name, 'dry');
    assert.equal(typeof dry.metadata.creationTimestamp, 'string');
    assert.equal(await client.read(configMap('dry', {})), undefined, 'a dry run persists nothing');
    const applied = await client.apply(configMap('real', { a: '1' }));
    const managers = (applied.metadata.managedFields as { manager: string }[]).map((m) => m.manager);
    assert.deepEqual(managers, ['tiphys']);
    assert.deepEqual((await client.read(configMap('real', {})))?.data, { a: '1' });
    await client.delete(configMap('real', {}));
    // A ConfigMap has no finalizers: once the delete answers, a read finds nothing.
    assert.equal(await client.read(configMap('real', {})), undefined, 'the object is gone');
    // Deleting what is already gone is not an error (a prune that raced another).
    await client.delete(configMap('real', {}));
    assert.equal(await client.read(configMap('real', {})), undefined);
  });

  test('an invalid object is refused with the server message and status', async () => {
    const bad: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'bad', namespace: 'default' },
      spec: { replicas: 'three' },
    };
    await assert.rejects(client.apply(bad, { dryRun: true }), (error: Error & { status: number }) => {
      assert.match(error.message, /Deployment default\/bad/);
      assert.match(error.message, /spec\.replicas/);
      // The API server answers a typed-patch failure with 500, a schema failure with 4xx.
      assert.ok(error.status >= 400, `status ${error.status}`);
      return true;
    });
    await assert.rejects(
      client.apply({ apiVersion: 'example.com/v1', kind: 'Nope', metadata: { name: 'x' } }),
      /does not serve example.com\/v1 Nope/,
    );
  });

  test('the cache lists, then follows watch events naming the tracking app', async () => {
    const cache = new ClusterCache(client);
    const events: string[] = [];
    cache.onEvent((type, obj, app) => events.push(`${type}:${obj.metadata.name}:${app ?? ''}`));
    await client.apply(configMap('before', { a: '1' }));
    await cache.watch('v1', 'ConfigMap');
    assert.ok(cache.get({ group: '', kind: 'ConfigMap', namespace: 'default', name: 'before' }));
    await client.apply(configMap('after', { b: '2' }));
    for (let i = 0; i < 50 && !events.includes('add:after:demo'); i++) await sleep(100);
    assert.ok(events.includes('add:after:demo'), events.join(','));
    assert.deepEqual(
      cache
        .trackedBy('demo')
        .map((o) => o.metadata.name)
        .sort(),
      ['after', 'before'],
    );
    assert.equal(
      typeof cache.get({ group: '', kind: 'ConfigMap', namespace: 'default', name: 'after' })?.metadata
        .creationTimestamp,
      'string',
    );
    // The index by app follows a tracking id that moves to another app, and a deletion.
    const objectsBefore = cache.info().objects;
    await client.apply({
      ...configMap('after', { b: '2' }),
      metadata: {
        name: 'after',
        namespace: 'default',
        annotations: { 'tiphys.dev/tracking-id': 'other:/ConfigMap:default/after' },
      },
    });
    await client.delete(configMap('before', {}));
    for (let i = 0; i < 50 && !events.includes('delete:before:demo'); i++) await sleep(100);
    for (let i = 0; i < 50 && !events.includes('update:after:other'); i++) await sleep(100);
    assert.deepEqual(cache.trackedBy('demo'), [], events.join(','));
    assert.deepEqual(
      cache.trackedBy('other').map((o) => [o.kind, o.metadata.name, o.data]),
      [['ConfigMap', 'after', { b: '2' }]],
    );
    assert.equal(cache.info().objects, objectsBefore - 1, 'the deleted object is no longer counted');
    await cache.stop();
  });

  test('the cache keeps neither managedFields nor the last-applied copy; a read still has both', async () => {
    const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';
    const annotated = (name: string, value: string): KubeObject => {
      const obj = configMap(name, { value });
      obj.metadata.annotations = { ...obj.metadata.annotations, [lastApplied]: JSON.stringify(obj) };
      return obj;
    };
    const key = (name: string) => ({ group: '', kind: 'ConfigMap', namespace: 'default', name });
    await client.apply(annotated('listed', 'a'));
    const cache = new ClusterCache(client);
    const seen: KubeObject[] = [];
    cache.onEvent((_type, obj) => seen.push(obj));
    await cache.watch('v1', 'ConfigMap');
    // One object from the list, one from a watch event, one changed by a watch event.
    await client.apply(annotated('watched', 'b'));
    await client.apply(annotated('listed', 'c'));
    const dataOf = (name: string) => (cache.get(key(name))?.data as { value?: string } | undefined)?.value;
    for (let i = 0; i < 50 && dataOf('listed') !== 'c'; i++) await sleep(100);
    for (let i = 0; i < 50 && !cache.get(key('watched')); i++) await sleep(100);
    const cached = [cache.get(key('listed')), cache.get(key('watched')), ...cache.trackedBy('demo'), ...seen];
    for (const obj of cached) {
      assert.ok(obj, 'cached');
      assert.equal(obj.metadata.managedFields, undefined, `${obj.metadata.name}: no managedFields`);
      assert.equal(
        obj.metadata.annotations?.[lastApplied],
        undefined,
        `${obj.metadata.name}: no last-applied`,
      );
      // Other annotations stay (other tests' objects share the namespace and the events).
      if (obj.metadata.name !== 'listed' && obj.metadata.name !== 'watched') continue;
      assert.equal(
        obj.metadata.annotations?.['tiphys.dev/tracking-id'],
        `demo:/ConfigMap:default/${obj.metadata.name}`,
      );
    }
    assert.deepEqual(cache.get(key('listed'))?.data, { value: 'c' });
    // A reader that needs them (an ignore rule by field manager, the manifest a person reads).
    const full = await client.read(configMap('listed', {}));
    assert.ok(full);
    assert.deepEqual(
      (full.metadata.managedFields as { manager: string }[]).map((m) => m.manager),
      ['tiphys'],
    );
    assert.match(full.metadata.annotations?.[lastApplied] ?? '', /"value":"c"/);
    await cache.stop();
    await client.delete(configMap('listed', {}));
    await client.delete(configMap('watched', {}));
  });

  test("every request goes through the kubeconfig's proxy-url, not only the informers'", async () => {
    const apiserver = new URL(cluster.server);
    const proxy = await startConnectProxy(PROXIED_HOST, {
      host: apiserver.hostname,
      port: Number(apiserver.port),
    });
    const kubeconfig = proxiedKubeconfig(cluster, proxy.url);
    const proxied = new ClusterClient(remoteKubeConfig('proxied', '', { kubeconfig }));
    const cache = new ClusterCache(proxied);
    try {
      assert.match(await proxied.serverVersion(), /^v1\./);
      const applied = await proxied.apply(configMap('through-proxy', { a: '1' }));
      assert.equal(applied.metadata.name, 'through-proxy');
      assert.deepEqual((await proxied.read(configMap('through-proxy', {})))?.data, { a: '1' });
      await cache.watch('v1', 'ConfigMap');
      assert.ok(cache.get({ group: '', kind: 'ConfigMap', namespace: 'default', name: 'through-proxy' }));
      await proxied.delete(configMap('through-proxy', {}));
      assert.ok(proxy.tunnels.length > 0);
      assert.deepEqual(new Set(proxy.tunnels), new Set([`${PROXIED_HOST}:${apiserver.port}`]));
    } finally {
      await cache.stop();
      proxied.rest.close();
      await proxy.close();
    }
  });
});
