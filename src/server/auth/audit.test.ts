import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createAuditLog, recentAuditEvents } from './audit.ts';
import { groupsFromClaim } from './oidc.ts';
import { signToken } from './signed-token.ts';

test('an audit event is one JSON line and is kept in memory, with tokens masked', () => {
  const lines: string[] = [];
  const audit = createAuditLog(
    (line) => lines.push(line),
    () => Date.UTC(2030, 0, 2),
  );
  const token = signToken(randomBytes(32), { typ: 'api', jti: 'x', iat: 1 });
  audit({
    identity: { subject: 'alice', groups: ['g'], kind: 'token', tokenId: 'tok-1' },
    action: 'sync',
    resource: 'applications',
    object: 'default/guestbook',
    result: 'denied',
    message: `careless ${token}\nsecond line`,
  });
  assert.equal(lines.length, 1);
  const logged = JSON.parse(lines[0]) as { audit: Record<string, unknown> };
  assert.deepEqual(logged.audit, {
    time: '2030-01-02T00:00:00.000Z',
    subject: 'alice',
    kind: 'token',
    tokenId: 'tok-1',
    action: 'sync',
    resource: 'applications',
    object: 'default/guestbook',
    result: 'denied',
    message: 'careless [redacted] second line',
  });
  assert.ok(!lines[0].includes(token));
  assert.deepEqual(recentAuditEvents(1)[0], logged.audit);
});

test('groups from a claim: a list or one name, without names reserved for built-in subjects', () => {
  assert.deepEqual(groupsFromClaim(['a', 'b', 'a', 'admin', 'role:admin', 'proj:x:y', '', 'c,d', 3]), [
    'a',
    'b',
  ]);
  assert.deepEqual(groupsFromClaim('devs'), ['devs']);
  assert.deepEqual(groupsFromClaim(undefined), []);
});
