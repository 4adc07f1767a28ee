import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidRangeError, maxSatisfying } from './semver.ts';

const published = [
  '0.9.0',
  '1.0.0',
  '1.2.0',
  '1.2.9',
  '1.3.0-rc.1',
  '1.3.0',
  '1.10.1',
  '2.0.0',
  'not-a-version',
];

test('a range picks the highest version it allows, as Helm does', () => {
  const cases: [string, string | undefined][] = [
    ['1.2.0', '1.2.0'],
    ['v1.2.0', '1.2.0'],
    ['^1.2.0', '1.10.1'],
    ['~1.2.0', '1.2.9'],
    ['1.2.x', '1.2.9'],
    ['1.x', '1.10.1'],
    ['*', '2.0.0'],
    ['', '2.0.0'],
    ['>=1.0.0 <1.3.0', '1.2.9'],
    ['>= 1.0.0, < 1.3.0', '1.2.9'],
    ['1.0.0 - 1.2', '1.2.9'],
    ['<1.0.0 || ^2', '2.0.0'],
    ['^0.9', '0.9.0'],
    ['>2.0.0', undefined],
    ['1.2.3', undefined],
    ['1.3.0-rc.1', '1.3.0-rc.1'],
    ['>=1.3.0-rc.0 <1.3.0', '1.3.0-rc.1'],
  ];
  for (const [range, expected] of cases) {
    assert.equal(maxSatisfying(published, range), expected, JSON.stringify(range));
  }
});

test('a pre-release is not picked by a range that does not name one', () => {
  assert.equal(maxSatisfying(['1.2.0', '1.3.0-rc.1'], '^1.2.0'), '1.2.0');
});

test('a range that is not one is refused, naming it', () => {
  assert.throws(
    () => maxSatisfying(published, '^latest'),
    (error: Error) => {
      assert.ok(error instanceof InvalidRangeError);
      assert.match(error.message, /version range "\^latest"/);
      return true;
    },
  );
});
