import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseImageAssignment } from './assignment.ts';
import { InvalidImageReferenceError } from './reference.ts';

test('IMAGE=TAG and IMAGE=TAG@DIGEST', () => {
  assert.deepEqual(parseImageAssignment('ghcr.io/team/hello=1.0.1'), {
    image: 'ghcr.io/team/hello',
    tag: '1.0.1',
  });
  assert.deepEqual(parseImageAssignment('127.0.0.1:5000/hello=v2'), {
    image: '127.0.0.1:5000/hello',
    tag: 'v2',
  });
  const digest = `sha256:${'a'.repeat(64)}`;
  assert.deepEqual(parseImageAssignment(`hello=1.0.1@${digest}`), { image: 'hello', tag: '1.0.1', digest });
});

test('attacker: values that would inject YAML or are not references are refused', () => {
  for (const bad of [
    'hello',
    '=1.0.1',
    'hello=',
    'hello=1.0.1\nmalicious: true',
    'hello=1.0.1 # comment',
    'hello=1.0.1"',
    'hello={a: b}',
    'Hello World=1',
    'hello=1.0.1@sha256:short',
    `hello=${'x'.repeat(200)}`,
  ])
    assert.throws(() => parseImageAssignment(bad), InvalidImageReferenceError, JSON.stringify(bad));
});
