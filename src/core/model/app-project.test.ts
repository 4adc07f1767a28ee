import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultAppProject, validateAppProject } from './app-project.ts';

test('the default project allows any repository, destination and kind, and is valid', () => {
  const project = defaultAppProject('control');
  assert.equal(project.metadata.name, 'default');
  assert.equal(project.metadata.namespace, 'control');
  assert.deepEqual(project.spec.sourceRepos, ['*']);
  assert.deepEqual(project.spec.destinations, [{ cluster: '*', namespace: '*' }]);
  assert.deepEqual(project.spec.clusterResourceWhitelist, [{ group: '*', kind: '*' }]);
  assert.deepEqual(validateAppProject(project), []);
  assert.equal(defaultAppProject().metadata.namespace, 'tiphys');
});

test('a project with malformed lists is reported field by field', () => {
  const project = defaultAppProject();
  const errors = validateAppProject({
    ...project,
    spec: {
      sourceRepos: 'https://git.example/*',
      roles: [{ policies: ['p, role, *, get, allow'] }],
      destinations: [{ server: 'x' }],
    },
  });
  assert.deepEqual(errors.sort(), [
    'spec.destinations[0].server: unknown field',
    'spec.roles[0].name: is required',
    'spec.sourceRepos: must be array',
  ]);
});
