import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labelChangeProblems, parseLabelArguments } from './cluster-labels.ts';

test('label arguments: key=value sets, key- removes, anything else is refused', () => {
  assert.deepEqual(parseLabelArguments(['region=eu', 'tier-', 'env=']), {
    region: 'eu',
    tier: null,
    env: '',
  });
  assert.throws(() => parseLabelArguments(['region']), /key=value to set a label, key- to remove/);
});

test('label changes are checked as Kubernetes labels', () => {
  assert.deepEqual(labelChangeProblems({ 'topology.kubernetes.io/region': 'eu-west-1', env: null }), []);
  assert.match(labelChangeProblems({ 'bad key': 'x' })[0] ?? '', /not a valid label key/);
  assert.match(labelChangeProblems({ region: 'a b' })[0] ?? '', /not a valid label value/);
  assert.match(labelChangeProblems({})[0] ?? '', /no label/);
});
