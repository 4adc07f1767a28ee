import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Admission, LoginThrottle, type LoginTicket } from './rate-limit.ts';

const ticketOf = (admission: Admission): LoginTicket => {
  assert.ok(admission.admitted, JSON.stringify(admission));
  return admission.ticket;
};

test('attempts are counted when admitted: fifty at once, only the limit gets through', () => {
  const throttle = new LoginThrottle({ now: () => 0 });
  const admissions = Array.from({ length: 50 }, (_, i) => throttle.admit('admin', `10.0.0.${i}`));
  assert.equal(admissions.filter((a) => a.admitted).length, 5);
  const refused = admissions.find((a) => !a.admitted);
  assert.equal(refused?.admitted === false && refused.by, 'username');
});

test('five failures lock the name; the lock doubles each time in a row, is capped, and expires', () => {
  let now = 0;
  const throttle = new LoginThrottle({ now: () => now, lockMs: 60_000, maxLockMs: 180_000 });
  const failFive = () => {
    for (let i = 0; i < 5; i++) throttle.failed(ticketOf(throttle.admit('admin', `10.0.0.${i}`)));
  };
  const waitFor = () => {
    const admission = throttle.admit('ADMIN ', '10.9.9.9');
    return admission.admitted ? 0 : admission.retryAfterMs;
  };
  failFive();
  assert.equal(waitFor(), 60_000, 'names compare case- and space-insensitively; any address');
  assert.ok(throttle.admit('alice', '10.0.0.1').admitted, 'per username');
  now += 60_000;
  failFive();
  assert.equal(waitFor(), 120_000);
  now += 120_000;
  failFive();
  assert.equal(waitFor(), 180_000, 'capped');
  now += 180_000;
  failFive();
  assert.equal(waitFor(), 180_000, 'never longer than the cap');
  now += 180_000;
  const ticket = ticketOf(throttle.admit('admin', '10.0.0.1'));
  throttle.succeeded(ticket);
  failFive();
  assert.equal(waitFor(), 60_000, 'a success forgets the strikes');
});

test('strikes are forgotten after a quiet hour', () => {
  let now = 0;
  const throttle = new LoginThrottle({ now: () => now, lockMs: 1_000, strikeMemoryMs: 3_600_000 });
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 5; i++) throttle.failed(ticketOf(throttle.admit('admin', 'a')));
    now += 10_000;
  }
  now += 3_600_001;
  for (let i = 0; i < 5; i++) throttle.failed(ticketOf(throttle.admit('admin', 'b')));
  const admission = throttle.admit('admin', 'c');
  assert.equal(admission.admitted === false && admission.retryAfterMs, 1_000);
});

test('one address may not spread guesses over many names', () => {
  let now = 0;
  const throttle = new LoginThrottle({ now: () => now, maxPerAddress: 20, addressWindowMs: 60_000 });
  const admissions = Array.from({ length: 50 }, (_, i) => throttle.admit(`user-${i}`, '192.0.2.7'));
  assert.equal(admissions.filter((a) => a.admitted).length, 20);
  const refused = admissions.find((a) => !a.admitted);
  assert.equal(refused?.admitted === false && refused.by, 'address');
  assert.ok(throttle.admit('user-x', '192.0.2.8').admitted, 'per address');
  for (const a of admissions) if (a.admitted) throttle.failed(a.ticket);
  now += 60_001;
  assert.ok(throttle.admit('user-y', '192.0.2.7').admitted, 'the window moves on');
});

test('a success or an unjudged attempt gives the place back', () => {
  const throttle = new LoginThrottle({ now: () => 0, maxPerAddress: 2 });
  throttle.succeeded(ticketOf(throttle.admit('admin', 'a')));
  throttle.abandoned(ticketOf(throttle.admit('admin', 'a')));
  const first = ticketOf(throttle.admit('admin', 'a'));
  ticketOf(throttle.admit('admin', 'a'));
  assert.equal(throttle.admit('admin', 'a').admitted, false);
  throttle.abandoned(first);
  assert.ok(throttle.admit('admin', 'a').admitted);
});

test('a flood of made-up names neither grows memory without bound nor washes a lock away', () => {
  let now = 0;
  const throttle = new LoginThrottle({ now: () => now, maxKeys: 10, maxPerAddress: 1_000_000 });
  for (let i = 0; i < 5; i++) throttle.failed(ticketOf(throttle.admit('admin', 'a')));
  for (let i = 0; i < 100; i++) {
    now += 1;
    throttle.failed(ticketOf(throttle.admit(`made-up-${i}`, 'a')));
  }
  assert.equal(throttle.admit('admin', 'a').admitted, false, 'the lock survived');
  assert.ok(throttle.admit('made-up-0', 'a').admitted, 'the oldest made-up names were dropped');
});
