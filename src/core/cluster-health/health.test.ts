import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterHealthStatus } from '../model/cluster-status.ts';
import { nextHealth } from './health.ts';

const settings = { lostAfterMs: 300_000, stableAfterMs: 60_000 };
const T0 = Date.parse('2026-11-30T10:00:00Z');
const s = (seconds: number) => T0 + seconds * 1000;

/** Feeds probes (seconds after T0, ok?) and returns the last health and every note's reason. */
function run(probes: [number, boolean][], start?: ClusterHealthStatus) {
  let health = start;
  const reasons: string[] = [];
  for (const [at, ok] of probes) {
    const next = nextHealth(
      health,
      { ok, at: s(at), message: ok ? undefined : 'connect ECONNREFUSED' },
      settings,
    );
    health = next.health;
    reasons.push(...next.notes.map((n) => n.reason));
  }
  return { health, reasons };
}

test('a cluster that answers stays Reachable and records nothing', () => {
  const { health, reasons } = run([
    [0, true],
    [30, true],
    [60, true],
  ]);
  assert.equal(health?.phase, 'Reachable');
  assert.deepEqual(reasons, []);
});

test('unreachable for lostAfter: Unreachable first, then Lost once, with the time it was lost', () => {
  const { health, reasons } = run([
    [0, true],
    [30, false],
    [60, false],
    [329, false],
    [330, false],
    [360, false],
  ]);
  assert.equal(health?.phase, 'Lost');
  assert.equal(health?.lostAt, new Date(s(330)).toISOString());
  assert.equal(health?.unreachableSince, new Date(s(30)).toISOString());
  assert.deepEqual(reasons, ['ClusterUnreachable', 'ClusterLost']);
});

test('a short outage ends after stableAfter of answers, never lost', () => {
  const { health, reasons } = run([
    [0, false],
    [30, true],
    [60, true],
    [90, true],
    [400, true],
  ]);
  assert.equal(health?.phase, 'Reachable');
  assert.equal(health?.unreachableSince, undefined);
  assert.deepEqual(reasons, ['ClusterUnreachable', 'ClusterReachable']);
});

test('flapping: short answers do not restart the outage clock, so the cluster is lost', () => {
  const probes: [number, boolean][] = [];
  for (let t = 0; t <= 320; t += 20) probes.push([t, t % 40 === 20]);
  const { health, reasons } = run(probes);
  assert.equal(health?.phase, 'Lost');
  assert.deepEqual(reasons, ['ClusterUnreachable', 'ClusterLost']);
});

test('a lost cluster that flaps stays lost; one that answers stableAfter has returned', () => {
  const lost = run([
    [0, false],
    [300, false],
  ]).health;
  assert.equal(lost?.phase, 'Lost');
  const flapping = run(
    [
      [310, true],
      [320, false],
      [330, true],
      [360, true],
    ],
    lost,
  );
  assert.equal(flapping.health?.phase, 'Lost');
  assert.deepEqual(flapping.reasons, []);
  const back = run(
    [
      [380, true],
      [400, true],
    ],
    flapping.health,
  );
  assert.equal(back.health?.phase, 'Reachable');
  assert.equal(back.health?.returnedAt, new Date(s(400)).toISOString());
  assert.deepEqual(back.reasons, ['ClusterReturned']);
  // Remembered while it answers (its apps are compared after this probe), dropped by an outage.
  const later = run([[430, true]], back.health);
  assert.equal(later.health?.returnedAt, new Date(s(400)).toISOString());
  const outage = run([[460, false]], later.health);
  assert.equal(outage.health?.phase, 'Unreachable');
  assert.equal(outage.health?.returnedAt, undefined);
});

test('the outage threshold is the policy’s', () => {
  const quick = nextHealth(
    { phase: 'Unreachable', unreachableSince: new Date(s(0)).toISOString() },
    { ok: false, at: s(5) },
    { lostAfterMs: 5_000, stableAfterMs: 0 },
  );
  assert.equal(quick.health.phase, 'Lost');
});
