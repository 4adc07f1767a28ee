import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoginRateLimiter } from './rate-limit.ts';

test('five failures within a minute block the name until the oldest leaves the window', () => {
  let now = 0;
  const limiter = new LoginRateLimiter({ now: () => now });
  for (let i = 0; i < 5; i++) {
    assert.equal(limiter.retryAfterMs('admin'), 0);
    limiter.recordFailure('admin');
    now += 1000;
  }
  assert.equal(limiter.retryAfterMs('admin'), 55_000);
  assert.equal(limiter.retryAfterMs('ADMIN '), 55_000, 'names compare case- and space-insensitively');
  assert.equal(limiter.retryAfterMs('alice'), 0, 'per username');
  now = 60_001;
  assert.equal(limiter.retryAfterMs('admin'), 0);
});

test('a success clears the failures', () => {
  const limiter = new LoginRateLimiter({ now: () => 0, maxFailures: 2 });
  limiter.recordFailure('admin');
  limiter.recordSuccess('admin');
  limiter.recordFailure('admin');
  assert.equal(limiter.retryAfterMs('admin'), 0);
  limiter.recordFailure('admin');
  assert.ok(limiter.retryAfterMs('admin') > 0);
});

test('the number of tracked names is bounded', () => {
  let now = 0;
  const limiter = new LoginRateLimiter({ now: () => now, maxKeys: 3, maxFailures: 1 });
  for (const name of ['a', 'b', 'c', 'd']) {
    limiter.recordFailure(name);
    now += 1;
  }
  assert.equal(limiter.retryAfterMs('a'), 0, 'the oldest name was dropped');
  assert.ok(limiter.retryAfterMs('d') > 0);
});
