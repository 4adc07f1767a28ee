import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateHealth, healthOrder, isWorse } from './aggregate.ts';
import { type HealthResult, type HealthStatus, HealthStatuses } from './status.ts';

const result = (status: HealthStatus, message = status.toLowerCase()): HealthResult => ({ status, message });

test('the order is Argo CD’s: Healthy < Suspended < Progressing < Missing < Degraded < Unknown', () => {
  assert.deepEqual(healthOrder, ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown']);
  assert.deepEqual([...healthOrder].sort(), Object.values(HealthStatuses).sort());
  assert.ok(isWorse('Degraded', 'Progressing'));
  assert.ok(isWorse('Unknown', 'Degraded'));
  assert.ok(!isWorse('Suspended', 'Progressing'));
  assert.ok(!isWorse('Healthy', 'Healthy'));
});

test('aggregateHealth gives the worst status, with the first message of that status', () => {
  assert.deepEqual(
    aggregateHealth([
      result('Healthy'),
      result('Progressing', 'first'),
      result('Suspended'),
      result('Progressing'),
    ]),
    { status: 'Progressing', message: 'first' },
  );
  assert.deepEqual(
    aggregateHealth([result('Degraded'), result('Missing'), result('Suspended')]).status,
    'Degraded',
  );
  assert.deepEqual(aggregateHealth([result('Degraded'), result('Unknown')]).status, 'Unknown');
  assert.deepEqual(aggregateHealth([result('Missing'), result('Progressing')]).status, 'Missing');
});

test('each status beats every status before it in the order', () => {
  healthOrder.forEach((worse, i) => {
    for (const better of healthOrder.slice(0, i)) {
      assert.equal(aggregateHealth([result(better), result(worse)]).status, worse);
      assert.equal(aggregateHealth([result(worse), result(better)]).status, worse);
    }
  });
});

test('kinds without a check (null) and empty input count as Healthy', () => {
  assert.deepEqual(aggregateHealth([]), { status: 'Healthy', message: '' });
  assert.deepEqual(aggregateHealth([null, null]), { status: 'Healthy', message: '' });
  assert.deepEqual(aggregateHealth([null, result('Suspended', 'paused')]), {
    status: 'Suspended',
    message: 'paused',
  });
});
