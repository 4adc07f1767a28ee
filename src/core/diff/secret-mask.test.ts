import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffObjects } from './diff.ts';
import { LAST_APPLIED_ANNOTATION } from './normalize.ts';
import { maskSecret, maskSecretPair, SECRET_CHANGED_MASK, SECRET_MASK } from './secret-mask.ts';
import type { KubeObject } from './types.ts';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

function secret(data: Record<string, string>, stringData?: Record<string, string>): KubeObject {
  const obj: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 's',
      annotations: { [LAST_APPLIED_ANNOTATION]: JSON.stringify({ data, stringData }), keep: 'me' },
    },
    data,
  };
  if (stringData) obj.stringData = stringData;
  return obj;
}

const values = ['correct horse battery', 'p@ssw0rd!', 'another-one'];
const leaks = (output: unknown) =>
  values.flatMap((value) => [value, b64(value)]).filter((value) => JSON.stringify(output).includes(value));

test('mask: every value of data and stringData, and the last-applied annotation', () => {
  const masked = maskSecret(secret({ a: b64(values[0]) }, { b: values[1] }));
  assert.deepEqual(masked.data, { a: SECRET_MASK, b: SECRET_MASK });
  assert.equal(masked.stringData, undefined);
  assert.deepEqual(masked.metadata.annotations, { keep: 'me' });
  assert.deepEqual(leaks(masked), []);
});

test('mask: a pair shows that values changed, never which nor what', () => {
  const desired = secret({ same: b64(values[0]), changed: b64(values[1]), added: b64(values[2]) });
  const live = secret({ same: b64(values[0]), changed: b64(values[2]), removed: b64(values[1]) });
  const [a, b] = maskSecretPair(desired, live);
  assert.deepEqual(a?.data, {
    same: SECRET_CHANGED_MASK,
    changed: SECRET_CHANGED_MASK,
    added: SECRET_CHANGED_MASK,
  });
  assert.deepEqual(b?.data, { same: SECRET_MASK, changed: SECRET_MASK, removed: SECRET_MASK });
  assert.deepEqual(leaks([a, b]), []);
  const [equalA, equalB] = maskSecretPair(secret({ k: b64(values[0]) }), secret({ k: b64(values[0]) }));
  assert.deepEqual([equalA?.data, equalB?.data], [{ k: SECRET_MASK }, { k: SECRET_MASK }]);
});

test('mask: a guess at one value is not told apart from a change of another', () => {
  // The live Secret holds a password and a token. Someone who can write the desired side keeps
  // a wrong token and guesses the password: right or wrong, the diff is the same.
  const live = secret({ password: b64('the-real-one'), token: b64('live-token') });
  const diffWith = (guess: string) =>
    diffObjects(secret({ password: b64(guess), token: b64('wrong-token') }), live);
  const right = diffWith('the-real-one');
  const wrong = diffWith('not-it');
  assert.deepEqual(right.changes, wrong.changes);
  assert.equal(right.text, wrong.text);
  assert.ok(!right.text.includes(b64('the-real-one')));
});

test('mask: stringData compares as the data it becomes', () => {
  const [a, b] = maskSecretPair(secret({}, { token: values[0] }), secret({ token: b64(values[0]) }));
  assert.deepEqual(a?.data, b?.data);
});

test('mask: anything but a v1 Secret passes through', () => {
  const configMap: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c' },
    data: { a: 'b' },
  };
  assert.equal(maskSecret(configMap), configMap);
  const [a] = maskSecretPair(configMap, undefined);
  assert.equal(a, configMap);
});

test('mask: the input is not modified', () => {
  const input = secret({ a: b64(values[0]) });
  const copy = structuredClone(input);
  maskSecret(input);
  assert.deepEqual(input, copy);
});
