import assert from 'node:assert/strict';
import { test } from 'node:test';
import { median, percentile } from './stats.ts';

test('median: the middle value of an odd count, whatever the order', () => {
  assert.equal(median([9, 1, 5]), 5);
  assert.equal(median([7]), 7);
});

test('median of an even count averages the two middle values (two samples: their mean, not the minimum)', () => {
  assert.equal(median([10, 20]), 15);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('percentile: nearest rank', () => {
  const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
  assert.equal(percentile(values, 90), 9);
  assert.equal(percentile(values, 100), 10);
  assert.equal(percentile(values, 1), 1);
});
