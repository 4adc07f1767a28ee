import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration, retryDelayMs } from './retry.ts';

test('durations parse like Kubernetes durations', () => {
  assert.equal(parseDuration('5s', 0), 5_000);
  assert.equal(parseDuration('1m30s', 0), 90_000);
  assert.equal(parseDuration('250ms', 0), 250);
  assert.equal(parseDuration('soon', 7), 7);
  assert.equal(parseDuration(undefined, 7), 7);
});

test('backoff grows by the factor, is capped, and stops at the limit', () => {
  const strategy = { limit: 3, backoff: { duration: '1s', factor: 3, maxDuration: '5s' } };
  assert.deepEqual(
    [1, 2, 3, 4].map((attempt) => retryDelayMs(strategy, attempt)),
    [1_000, 3_000, 5_000, undefined],
  );
  assert.equal(retryDelayMs(undefined, 1), undefined);
  assert.equal(retryDelayMs({ limit: -1 }, 100), 180_000);
});
