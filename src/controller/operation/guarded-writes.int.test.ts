// The guarded writes against a real API server, including the race the guard exists for: an
// object that changes owner between the read and the write (another app applies it, someone
// deletes it and makes another under the same name) is never deleted or replaced in its stead.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startCluster, type TestCluster } from '../../../testbed/src/cluster.ts';
import { ClusterClient } from '../../adapters/kube/cluster-client.ts';
import { remoteKubeConfig } from '../../adapters/kube/connection.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { setTrackingId, trackingIdAnnotation } from '../../core/manifest/tracking.ts';
import { createOrAdoptHook, deleteIfOwned, OwnershipRefusedError, replaceIfOwned } from './guarded-writes.ts';

const configMap = (name: string, data: Record<string, string> = { v: '1' }): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default' },
  data,
});

/**
 * A client whose next read lets another writer act right after the object was read, as if
 * that writer had raced the controller between its check and its write.
 */
class RacedClient extends ClusterClient {
  race: (() => Promise<void>) | undefined;

  override async read(obj: KubeObject): Promise<KubeObject | undefined> {
    const seen = await super.read(obj);
    const race = this.race;
    this.race = undefined;
    await race?.();
    return seen;
  }
}

describe('guarded writes against a real API server', () => {
  let cluster: TestCluster;
  let client: RacedClient;
  const refused = (pattern: RegExp) => (error: unknown) =>
    error instanceof OwnershipRefusedError && pattern.test(error.message);

  before(async () => {
    cluster = await startCluster({ name: 'guarded-writes' });
    client = new RacedClient(
      remoteKubeConfig('guarded-writes', cluster.server, { bearerToken: cluster.token, caData: cluster.ca }),
    );
  });
  after(async () => {
    client?.rest.close();
    await cluster?.stop();
  });

  test('a delete goes through for the own object, and is refused, naming the owner, for others', async () => {
    await client.create(setTrackingId(configMap('mine'), 'shop'));
    await client.create(setTrackingId(configMap('theirs'), 'billing'));
    await client.create(configMap('nobodys'));
    const forged = configMap('forged');
    forged.metadata.annotations = { [trackingIdAnnotation]: 'shop:/ConfigMap:default/mine' };
    await client.create(forged);

    await deleteIfOwned(client, 'shop', configMap('mine'));
    assert.equal(await client.read(configMap('mine')), undefined);
    await assert.rejects(
      deleteIfOwned(client, 'shop', configMap('theirs')),
      refused(
        /^ConfigMap default\/theirs is managed by application billing \(tracking id billing:\/ConfigMap:default\/theirs\); not deleting it$/,
      ),
    );
    await assert.rejects(deleteIfOwned(client, 'shop', configMap('nobodys')), refused(/has no tracking id/));
    await assert.rejects(deleteIfOwned(client, 'shop', configMap('forged')), refused(/names another object/));
    for (const name of ['theirs', 'nobodys', 'forged']) assert.ok(await client.read(configMap(name)), name);
    await deleteIfOwned(client, 'shop', configMap('never-existed'));
  });

  test('an object another app takes over between the read and the delete is not deleted', async () => {
    await client.create(setTrackingId(configMap('contested'), 'shop'));
    client.race = async () => {
      await client.apply(setTrackingId(configMap('contested', { v: 'billing' }), 'billing'));
    };
    await assert.rejects(
      deleteIfOwned(client, 'shop', configMap('contested')),
      refused(/managed by application billing/),
    );
    assert.deepEqual((await client.read(configMap('contested')))?.data, { v: 'billing' });
  });

  test('an object deleted and made again under the same name in between is not deleted', async () => {
    await client.create(setTrackingId(configMap('reborn'), 'shop'));
    client.race = async () => {
      await client.delete(configMap('reborn'));
      await client.create(configMap('reborn', { v: 'someone else' }));
    };
    await assert.rejects(deleteIfOwned(client, 'shop', configMap('reborn')), refused(/has no tracking id/));
    assert.ok(await client.read(configMap('reborn')));
  });

  test('a hook deleted by its policy spares a namesake that is not the run it created', async () => {
    const created = await client.create(setTrackingId(configMap('hook-run'), 'shop'));
    await client.delete(configMap('hook-run'));
    await client.create(setTrackingId(configMap('hook-run', { v: 'next' }), 'shop'));
    await deleteIfOwned(client, 'shop', configMap('hook-run'), { expectedUid: created.metadata.uid });
    assert.deepEqual((await client.read(configMap('hook-run')))?.data, { v: 'next' });
  });

  test('a replace creates, replaces its own object, and refuses others, also when raced', async () => {
    const created = await replaceIfOwned(client, 'shop', setTrackingId(configMap('replaced'), 'shop'));
    assert.ok(created.metadata.uid);
    const replaced = await replaceIfOwned(
      client,
      'shop',
      setTrackingId(configMap('replaced', { v: '2' }), 'shop'),
    );
    assert.equal(replaced.metadata.uid, created.metadata.uid);
    assert.deepEqual(replaced.data, { v: '2' });

    await client.create(setTrackingId(configMap('billing-owned'), 'billing'));
    await assert.rejects(
      replaceIfOwned(client, 'shop', setTrackingId(configMap('billing-owned', { v: 'x' }), 'shop')),
      refused(/managed by application billing.*not replacing it$/),
    );

    client.race = async () => {
      await client.apply(setTrackingId(configMap('replaced', { v: 'billing' }), 'billing'));
    };
    await assert.rejects(
      replaceIfOwned(client, 'shop', setTrackingId(configMap('replaced', { v: '3' }), 'shop')),
      refused(/managed by application billing/),
    );
    assert.deepEqual((await client.read(configMap('replaced')))?.data, { v: 'billing' });
  });

  test('a hook adopts its own earlier run and refuses an object that is not the app’s', async () => {
    const first = await createOrAdoptHook(client, 'shop', setTrackingId(configMap('migrate'), 'shop'));
    const again = await createOrAdoptHook(client, 'shop', setTrackingId(configMap('migrate'), 'shop'));
    assert.equal(again?.metadata.uid, first?.metadata.uid);
    await client.create(configMap('precious'));
    await assert.rejects(
      createOrAdoptHook(client, 'shop', setTrackingId(configMap('precious'), 'shop'), { dryRun: true }),
      refused(
        /precious is not managed by application shop \(it has no tracking id\); not adopting it as a hook/,
      ),
    );
  });
});
