import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ownerOf } from './assign.ts';
import { IN_CLUSTER_SHARD_KEY, normalizeServer, sameKeys, shardKey } from './shard-key.ts';

describe('shard key', () => {
  test('two Cluster objects naming one server get one key, so one owner among any replicas', () => {
    const servers = new Map([
      ['eu-1', 'https://API.eu.example:443/'],
      ['eu-1-again', 'https://api.eu.example'],
      ['us-1', 'https://api.us.example:6443'],
    ]);
    const eu = shardKey('eu-1', servers);
    assert.equal(eu, 'https://api.eu.example');
    assert.equal(shardKey('eu-1-again', servers), eu);
    assert.equal(shardKey('us-1', servers), 'https://api.us.example:6443');
    for (const members of [
      ['a', 'b'],
      ['a', 'b', 'c'],
      ['r1', 'r2', 'r3', 'r4'],
    ]) {
      assert.equal(
        ownerOf(eu as string, members),
        ownerOf(shardKey('eu-1-again', servers) as string, members),
      );
    }
  });

  test('in-cluster is the control cluster’s own address; an unknown name has no key (owned by none)', () => {
    assert.equal(shardKey('in-cluster', new Map()), IN_CLUSTER_SHARD_KEY);
    assert.equal(
      shardKey('in-cluster', new Map()),
      shardKey('local', new Map([['local', 'https://kubernetes.default.svc/']])),
    );
    assert.equal(shardKey('nowhere', new Map([['eu-1', 'https://a']])), undefined);
  });

  test('a path is part of the server (a proxy may serve several clusters); text that is no URL is kept', () => {
    assert.equal(
      normalizeServer('https://proxy.example/k8s/clusters/c-1/'),
      'https://proxy.example/k8s/clusters/c-1',
    );
    assert.notEqual(
      normalizeServer('https://proxy.example/k8s/clusters/c-1'),
      normalizeServer('https://proxy.example/k8s/clusters/c-2'),
    );
    assert.equal(normalizeServer(' not a url/ '), 'not a url');
  });

  test('sameKeys: a new spelling of one server is no change; a moved or added cluster is', () => {
    const before = new Map([['eu-1', 'https://a.example']]);
    assert.ok(sameKeys(before, new Map([['eu-1', 'https://A.example:443/']])));
    assert.ok(!sameKeys(before, new Map([['eu-1', 'https://b.example']])));
    assert.ok(
      !sameKeys(
        before,
        new Map([
          ['eu-1', 'https://a.example'],
          ['us-1', 'https://c.example'],
        ]),
      ),
    );
    assert.ok(!sameKeys(before, new Map([['us-1', 'https://a.example']])));
  });
});
