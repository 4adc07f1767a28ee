import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultAppProject } from './app-project.ts';
import { globMatches, projectViolations, renderViolations } from './project-policy.ts';

test('globs match across slashes', () => {
  assert.equal(
    globMatches('https://git.example.com/team-a/*', 'https://git.example.com/team-a/app.git'),
    true,
  );
  assert.equal(
    globMatches('https://git.example.com/team-a/*', 'https://git.example.com/team-b/app.git'),
    false,
  );
  assert.equal(globMatches('team-?', 'team-a'), true);
  assert.equal(globMatches('a.b', 'axb'), false);
});

test('the default project allows everything', () => {
  const spec = defaultAppProject().spec;
  const problems = projectViolations('default', spec, {
    repoURL: 'https://anything',
    cluster: 'in-cluster',
    namespace: 'x',
    kinds: [
      { group: '', kind: 'Namespace', namespaced: false },
      { group: 'apps', kind: 'Deployment', namespaced: true },
    ],
  });
  assert.deepEqual(problems, []);
});

test('a restricted project names each thing it refuses', () => {
  const spec = {
    sourceRepos: ['https://git.example.com/team-a/*'],
    destinations: [{ cluster: 'in-cluster', namespace: 'team-a-*' }],
    namespaceResourceBlacklist: [{ group: '', kind: 'Secret' }],
  };
  const problems = projectViolations('team-a', spec, {
    repoURL: 'https://git.example.com/team-b/app',
    cluster: 'in-cluster',
    namespace: 'prod',
    kinds: [
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', namespaced: false },
      { group: '', kind: 'Secret', namespaced: true },
      { group: 'apps', kind: 'Deployment', namespaced: true },
    ],
  });
  assert.equal(problems.length, 4);
  assert.match(problems[0], /repository .*team-b.* not permitted/);
  assert.match(problems[1], /namespace prod is not permitted/);
  assert.match(problems[2], /cluster-scoped kind rbac.authorization.k8s.io\/ClusterRole/);
  assert.match(problems[3], /namespaced kind Secret/);
});

test('a hostile pattern in a project costs one pass over the value', () => {
  // A backtracking regex would take longer than the age of the universe on this one.
  const spec = {
    sourceRepos: ['*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b'],
    destinations: [{ cluster: '*', namespace: '*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b' }],
  };
  const problems = projectViolations('team-a', spec, {
    repoURL: `https://git.example.com/${'a'.repeat(4000)}`,
    cluster: 'in-cluster',
    namespace: 'a'.repeat(253),
  });
  assert.equal(problems.length, 2);
  assert.match(problems[0], /repository .* is not permitted/);
});

const teamA = {
  sourceRepos: ['*'],
  destinations: [{ cluster: 'in-cluster', namespace: 'team-a' }],
};
const ref = (kind: string, namespace: string, name: string, group = '', namespaced = namespace !== '') => ({
  group,
  kind,
  namespace,
  name,
  namespaced,
});

test('every object of a render must live in a destination namespace of the project', () => {
  const problems = renderViolations('team-a', teamA, 'in-cluster', [
    ref('ConfigMap', 'team-a', 'fine'),
    ref('ConfigMap', 'kube-system', 'x'),
    ref('RoleBinding', 'other', 'admin', 'rbac.authorization.k8s.io'),
    ref('Job', 'default', '', 'batch'),
  ]);
  assert.deepEqual(problems, [
    'ConfigMap kube-system/x: namespace kube-system is not a destination of project team-a',
    'RoleBinding other/admin: namespace other is not a destination of project team-a',
    'Job default/(generated name): namespace default is not a destination of project team-a',
  ]);
});

test('a destination on another cluster does not admit the namespace on this one', () => {
  const spec = {
    destinations: [
      { cluster: 'east', namespace: 'team-a' },
      { cluster: 'west', namespace: 'b' },
    ],
  };
  assert.deepEqual(renderViolations('p', spec, 'east', [ref('ConfigMap', 'team-a', 'x')]), []);
  assert.deepEqual(renderViolations('p', spec, 'west', [ref('ConfigMap', 'team-a', 'x')]), [
    'ConfigMap team-a/x: namespace team-a is not a destination of project p on cluster west',
  ]);
});

test('cluster-scoped objects need the whitelist, and blacklists win', () => {
  const spec = {
    ...teamA,
    clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
    clusterResourceBlacklist: [{ group: '', kind: 'Namespace' }],
    namespaceResourceBlacklist: [{ group: '', kind: 'Secret' }],
  };
  const problems = renderViolations('team-a', spec, 'in-cluster', [
    ref('ClusterRoleBinding', '', 'root', 'rbac.authorization.k8s.io'),
    ref('Namespace', '', 'team-a'),
    ref('Secret', 'team-a', 'token'),
  ]);
  assert.deepEqual(problems, [
    'ClusterRoleBinding root: cluster-scoped kind rbac.authorization.k8s.io/ClusterRoleBinding is not permitted in project team-a',
    'Namespace team-a: cluster-scoped kind Namespace is not permitted in project team-a',
    'Secret team-a/token: namespaced kind Secret is not permitted in project team-a',
  ]);
});

test('a namespace whitelist admits only its kinds; an object without a namespace is refused by name', () => {
  const spec = { ...teamA, namespaceResourceWhitelist: [{ group: 'apps', kind: '*' }] };
  assert.deepEqual(
    renderViolations('team-a', spec, 'in-cluster', [ref('Deployment', 'team-a', 'web', 'apps')]),
    [],
  );
  assert.deepEqual(renderViolations('team-a', spec, 'in-cluster', [ref('Service', 'team-a', 'web')]), [
    'Service team-a/web: namespaced kind Service is not permitted in project team-a',
  ]);
  assert.deepEqual(renderViolations('team-a', teamA, 'in-cluster', [ref('Service', '', 'web', '', true)]), [
    'Service web: namespace (none) is not a destination of project team-a',
  ]);
});

test('the default project allows every object anywhere', () => {
  const spec = defaultAppProject().spec;
  const problems = renderViolations('default', spec, 'east', [
    ref('ClusterRole', '', 'x', 'rbac.authorization.k8s.io'),
    ref('ConfigMap', 'kube-system', 'x'),
  ]);
  assert.deepEqual(problems, []);
});

test('a long list of refusals is cut and counted', () => {
  const objects = Array.from({ length: 25 }, (_, i) => ref('ConfigMap', 'kube-system', `cm-${i}`));
  const problems = renderViolations('team-a', teamA, 'in-cluster', objects);
  assert.equal(problems.length, 11);
  assert.equal(problems[10], 'and 15 more objects');
});
