// The flags of the commands that came with login: account's durations, proj's spec flags.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { durationSeconds } from './account.ts';
import { projectFromFlags, roleFromFlag } from './proj.ts';

test('token lifetimes: plain seconds or a number with s, m, h or d', () => {
  assert.equal(durationSeconds('3600'), 3600);
  assert.equal(durationSeconds('90s'), 90);
  assert.equal(durationSeconds('30m'), 1800);
  assert.equal(durationSeconds('24h'), 86_400);
  assert.equal(durationSeconds('7d'), 604_800);
  for (const bad of ['0', '1w', '-5m', '1.5h', ''])
    assert.throws(() => durationSeconds(bad), /a duration like/);
});

test('a role flag grants its actions on the project’s own Applications only', () => {
  assert.deepEqual(roleFromFlag('team-a', 'ci:get,sync'), {
    name: 'ci',
    policies: [
      'p, proj:team-a:ci, applications, get, team-a/*, allow',
      'p, proj:team-a:ci, applications, sync, team-a/*, allow',
    ],
  });
  assert.deepEqual(roleFromFlag('team-a', 'viewer'), { name: 'viewer' });
  assert.throws(() => roleFromFlag('team-a', 'bad name:get'), /bad role name/);
});

test('a project from flags, added to a manifest, checked before anything is sent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tiphys-proj-'));
  try {
    const file = join(dir, 'proj.yaml');
    writeFileSync(
      file,
      'apiVersion: tiphys.dev/v1alpha1\nkind: AppProject\nmetadata:\n  name: team-a\n  resourceVersion: "7"\n' +
        'spec:\n  sourceRepos: [https://git.example/a]\n',
    );
    const project = projectFromFlags('team-a', 'tiphys', {
      file,
      description: 'team A',
      sourceRepo: ['https://git.example/b'],
      dest: ['in-cluster,team-a-*'],
      allowClusterResource: ['Namespace', 'rbac.authorization.k8s.io/ClusterRole'],
    });
    assert.deepEqual(project, {
      apiVersion: 'tiphys.dev/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'team-a', namespace: 'tiphys' },
      spec: {
        description: 'team A',
        sourceRepos: ['https://git.example/a', 'https://git.example/b'],
        destinations: [{ cluster: 'in-cluster', namespace: 'team-a-*' }],
        clusterResourceWhitelist: [
          { group: '', kind: 'Namespace' },
          { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
        ],
      },
    });
    assert.throws(() => projectFromFlags('other', 'tiphys', { file }), /names project "team-a", not "other"/);
    assert.throws(
      () => projectFromFlags('p', 'tiphys', { dest: ['in-cluster'] }),
      /expected CLUSTER,NAMESPACE/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
