import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkVerdict, median, percentile, targetVerdict } from './stats.ts';

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

test('a figure under its target is met, at or over it not (unless inclusive)', () => {
  const target = { max: 200, source: 'issue 4' };
  assert.equal(targetVerdict(199, 'ms', target), 'target < 200 ms (issue 4): met');
  assert.equal(targetVerdict(200, 'ms', target), 'target < 200 ms (issue 4): NOT MET');
  assert.equal(targetVerdict(200, 'ms', { ...target, inclusive: true }), 'target ≤ 200 ms (issue 4): met');
});

test('a ratio target judges the figure divided by its floor, and cannot be judged without one', () => {
  const target = { max: 1.5, inclusive: true, of: 'ratio' as const, source: 'issue 3' };
  const floor = { name: 'kubectl', value: 1000 };
  assert.equal(targetVerdict(1500, 'ms', target, floor), 'target ≤ 1.5× (issue 3): met');
  assert.equal(targetVerdict(1501, 'ms', target, floor), 'target ≤ 1.5× (issue 3): NOT MET');
  assert.throws(() => targetVerdict(1500, 'ms', target), /needs a floor/);
});

test('a property target says met or not met', () => {
  assert.equal(checkVerdict(true, 'stopped', 'issue 12'), 'target: stopped (issue 12): met');
  assert.equal(checkVerdict(false, 'stopped', 'issue 12'), 'target: stopped (issue 12): NOT MET');
});
