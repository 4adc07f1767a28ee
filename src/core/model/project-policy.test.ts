import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultAppProject } from './app-project.ts';
import { globMatches, projectViolations } from './project-policy.ts';

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
