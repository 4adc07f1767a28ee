import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatResourceSelector, parseResourceSelector } from './resource-selector.ts';

test('GROUP:KIND:NAME names a resource without a namespace', () => {
  assert.deepEqual(parseResourceSelector('apps:Deployment:web'), {
    group: 'apps',
    kind: 'Deployment',
    name: 'web',
  });
});

test('GROUP:KIND:NAMESPACE/NAME names a namespaced resource', () => {
  assert.deepEqual(parseResourceSelector('apps:Deployment:prod/web'), {
    group: 'apps',
    kind: 'Deployment',
    namespace: 'prod',
    name: 'web',
  });
});

test('an empty group is the core group', () => {
  assert.deepEqual(parseResourceSelector(':Service:default/web'), {
    group: '',
    kind: 'Service',
    namespace: 'default',
    name: 'web',
  });
});

test('malformed selectors are refused with the expected form', () => {
  assert.throws(() => parseResourceSelector('Deployment/web'), /expected GROUP:KIND:NAME/);
  assert.throws(() => parseResourceSelector('a:b:c:d'), /expected GROUP:KIND:NAME/);
  assert.throws(() => parseResourceSelector('apps::web'), /the kind is missing/);
  assert.throws(() => parseResourceSelector('apps:Deployment:'), /the name is missing/);
  assert.throws(() => parseResourceSelector('apps:Deployment:ns/'), /the name is missing/);
  assert.throws(() => parseResourceSelector('apps:Deployment:/web'), /namespace before \/ is empty/);
  assert.throws(() => parseResourceSelector('apps:Deployment:a/b/c'), /has a \//);
});

test('a parsed selector prints back as written', () => {
  for (const text of ['apps:Deployment:prod/web', ':ConfigMap:cfg']) {
    assert.equal(formatResourceSelector(parseResourceSelector(text)), text);
  }
});
