import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SyncWindow } from '../model/app-project.ts';
import { validateAppProject } from '../model/app-project.ts';
import { compileSchedule, openingAt, parseWindowDuration } from './schedule.ts';
import { syncAllowed, windowMatches, windowStates } from './windows.ts';

const shop = { application: 'shop', namespace: 'shop-prod', cluster: 'eu-1' };
const at = (iso: string) => new Date(iso);

// Every day 22:00 UTC for 2 hours: 22:00 to 24:00.
const nightlyDeny: SyncWindow = { kind: 'deny', schedule: '0 22 * * *', duration: '2h', applications: ['*'] };
// Weekdays 09:00 Paris time for 8 hours.
const officeAllow: SyncWindow = {
  kind: 'allow',
  schedule: '0 9 * * 1-5',
  duration: '8h',
  timeZone: 'Europe/Paris',
  namespaces: ['shop-*'],
};

describe('sync window schedule', () => {
  it('reads durations and refuses what it cannot', () => {
    assert.equal(parseWindowDuration('1h30m'), 5_400_000);
    assert.equal(parseWindowDuration('45s'), 45_000);
    for (const bad of ['', '1d', 'h', '0m', '200h', '1h 30m'])
      assert.throws(() => parseWindowDuration(bad), /duration/, bad);
  });

  it('names the field of a bad schedule or time zone', () => {
    assert.throws(() => compileSchedule('not cron', '1h'), /schedule "not cron"/);
    assert.throws(() => compileSchedule('0 0 0 * * *', '1h'), /schedule/, 'six fields are refused');
    assert.throws(() => compileSchedule('0 22 * * *', '1h', 'Mars/Olympus'), /timeZone "Mars\/Olympus"/);
  });

  it('is open from a fire until the duration has passed', () => {
    const s = compileSchedule('0 22 * * *', '2h');
    assert.equal(openingAt(s, at('2026-11-30T21:59:59Z')), undefined);
    assert.deepEqual(openingAt(s, at('2026-11-30T22:00:00Z')), {
      start: at('2026-11-30T22:00:00Z'),
      end: at('2026-12-01T00:00:00Z'),
    });
    assert.ok(openingAt(s, at('2026-11-30T23:59:59Z')));
    assert.equal(openingAt(s, at('2026-12-01T00:00:00Z')), undefined);
  });

  it('chains overlapping fires into one opening', () => {
    // Every 30 minutes for an hour: always open; the end is the last fire followed + 1h.
    const s = compileSchedule('*/30 10-11 * * *', '1h');
    const open = openingAt(s, at('2026-11-30T10:45:00Z'));
    assert.deepEqual(open?.end, at('2026-11-30T12:30:00Z'));
  });

  it('follows a dense chain a duration per step, not a fire per step, and stops a day ahead', () => {
    const minutely = compileSchedule('* * * * *', '1h');
    let calls = 0;
    const counted = {
      ...minutely,
      nextFire: (after: Date) => {
        calls++;
        return minutely.nextFire(after);
      },
    };
    const open = openingAt(counted, at('2026-11-30T12:00:30Z'));
    assert.equal(open?.atLeast, true);
    assert.ok(open && open.end.getTime() > Date.parse('2026-12-01T12:00:30Z'), 'followed a day ahead');
    // A fire per step would be 1 440 calls; a duration per step is about one call an hour.
    assert.ok(calls <= 30, `${calls} calls of the schedule`);
  });

  it('ends an opening exactly when fires do not overlap, even shorter than a minute', () => {
    const s = compileSchedule('* * * * *', '45s');
    assert.deepEqual(openingAt(s, at('2026-11-30T12:00:30Z')), {
      start: at('2026-11-30T12:00:00Z'),
      end: at('2026-11-30T12:00:45Z'),
    });
    assert.equal(openingAt(s, at('2026-11-30T12:00:50Z')), undefined);
    // A fire exactly at the end of the previous opening chains: a minute each minute never closes.
    assert.equal(openingAt(compileSchedule('* * * * *', '1m'), at('2026-11-30T12:00:30Z'))?.atLeast, true);
  });

  it('reads the schedule in its time zone (Paris is UTC+1 in winter)', () => {
    const s = compileSchedule('0 9 * * 1-5', '8h', 'Europe/Paris');
    assert.equal(openingAt(s, at('2026-11-30T07:59:00Z')), undefined);
    assert.ok(openingAt(s, at('2026-11-30T08:00:00Z')));
    assert.ok(openingAt(s, at('2026-11-30T15:59:00Z')));
    assert.equal(openingAt(s, at('2026-11-30T16:00:00Z')), undefined);
  });
});

describe('which windows concern an app', () => {
  it('matches by application, namespace or cluster glob', () => {
    assert.ok(windowMatches({ ...nightlyDeny, applications: ['sh*'] }, shop));
    assert.ok(windowMatches({ ...nightlyDeny, applications: undefined, namespaces: ['*-prod'] }, shop));
    assert.ok(windowMatches({ ...nightlyDeny, applications: undefined, clusters: ['eu-?'] }, shop));
    assert.ok(!windowMatches({ ...nightlyDeny, applications: ['cart'], clusters: ['us-*'] }, shop));
    assert.ok(
      !windowMatches({ ...nightlyDeny, applications: undefined }, shop),
      'an empty window matches none',
    );
  });
});

describe('whether a sync may start', () => {
  it('allows anything when no window concerns the app', () => {
    assert.deepEqual(syncAllowed([], shop, 'automated', at('2026-11-30T22:30:00Z')), { allowed: true });
    const other = { ...nightlyDeny, applications: ['cart'] };
    assert.equal(syncAllowed([other], shop, 'automated', at('2026-11-30T22:30:00Z')).allowed, true);
  });

  it('blocks while a deny window is open and says when it closes', () => {
    const verdict = syncAllowed([nightlyDeny], shop, 'automated', at('2026-11-30T22:30:00Z'));
    assert.equal(verdict.allowed, false);
    assert.match(
      verdict.reason ?? '',
      /deny sync window is open: #0 deny "0 22 \* \* \*" for 2h \(until 2026-12-01T00:00:00.000Z\)/,
    );
    assert.equal(verdict.opensAt, '2026-12-01T00:00:00.000Z');
    assert.equal(syncAllowed([nightlyDeny], shop, 'automated', at('2026-11-30T21:00:00Z')).allowed, true);
  });

  it('lets manual syncs through a deny window only with manualSync', () => {
    const now = at('2026-11-30T22:30:00Z');
    assert.equal(syncAllowed([nightlyDeny], shop, 'manual', now).allowed, false);
    const lenient = { ...nightlyDeny, manualSync: true };
    assert.equal(syncAllowed([lenient], shop, 'manual', now).allowed, true);
    assert.equal(syncAllowed([lenient], shop, 'automated', now).allowed, false);
  });

  it('needs an open allow window when allow windows concern the app', () => {
    // Monday 2026-11-30, 07:00 UTC = 08:00 Paris: closed until 09:00 Paris (08:00 UTC).
    const verdict = syncAllowed([officeAllow], shop, 'automated', at('2026-11-30T07:00:00Z'));
    assert.equal(verdict.allowed, false);
    assert.match(
      verdict.reason ?? '',
      /no allow sync window is open: #0 allow "0 9 \* \* 1-5" Europe\/Paris for 8h/,
    );
    assert.equal(verdict.opensAt, '2026-11-30T08:00:00.000Z');
    assert.equal(syncAllowed([officeAllow], shop, 'automated', at('2026-11-30T09:00:00Z')).allowed, true);
    // Saturday: the next opening is Monday.
    const weekend = syncAllowed([officeAllow], shop, 'automated', at('2026-12-05T12:00:00Z'));
    assert.equal(weekend.opensAt, '2026-12-07T08:00:00.000Z');
    assert.equal(
      syncAllowed([{ ...officeAllow, manualSync: true }], shop, 'manual', at('2026-12-05T12:00:00Z')).allowed,
      true,
    );
  });

  it('lets deny win over an open allow, and finds the opening after both', () => {
    const allowAllDay: SyncWindow = {
      kind: 'allow',
      schedule: '0 0 * * *',
      duration: '23h',
      applications: ['*'],
    };
    const verdict = syncAllowed([allowAllDay, nightlyDeny], shop, 'automated', at('2026-11-30T22:10:00Z'));
    assert.equal(verdict.allowed, false);
    // Deny ends at 00:00, and the allow window opens again at 00:00.
    assert.equal(verdict.opensAt, '2026-12-01T00:00:00.000Z');
    // Allow 00:00-20:00, deny 22:00-24:00: at 21:00 no allow is open; the next start is 00:00.
    const short = { ...allowAllDay, duration: '20h' };
    assert.equal(
      syncAllowed([short, nightlyDeny], shop, 'automated', at('2026-11-30T21:00:00Z')).opensAt,
      '2026-12-01T00:00:00.000Z',
    );
  });

  it('fails closed on a window that cannot be read (written around the API)', () => {
    const broken = { ...nightlyDeny, schedule: '61 * * * *' };
    const verdict = syncAllowed([broken], shop, 'automated', at('2026-11-30T12:00:00Z'));
    assert.equal(verdict.allowed, false);
    assert.match(verdict.reason ?? '', /cannot be read: schedule "61 \* \* \* \*"/);
  });

  it('lists every window with when it is open or next opens', () => {
    const states = windowStates([nightlyDeny, officeAllow], at('2026-11-30T22:30:00Z'));
    assert.deepEqual(states[0].open, { start: '2026-11-30T22:00:00.000Z', end: '2026-12-01T00:00:00.000Z' });
    assert.equal(states[1].nextOpen, '2026-12-01T08:00:00.000Z');
  });
});

describe('AppProject validation of windows', () => {
  it('names the window and field of a bad schedule, and accepts good ones', () => {
    const project = (syncWindows: SyncWindow[]) => ({
      apiVersion: 'tiphys.dev/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'p' },
      spec: { syncWindows },
    });
    assert.deepEqual(validateAppProject(project([nightlyDeny, officeAllow])), []);
    const errors = validateAppProject(project([nightlyDeny, { ...officeAllow, duration: '1d' }]));
    assert.equal(errors.length, 1);
    assert.match(errors[0], /spec\.syncWindows\[1\]: duration "1d"/);
    assert.ok(validateAppProject(project([{ ...nightlyDeny, kind: 'maybe' as 'deny' }])).length > 0);
  });
});

describe('a window that stays open', () => {
  it('says it is open at least until the last fire followed, and finds no opening ahead', () => {
    const always: SyncWindow = { kind: 'deny', schedule: '* * * * *', duration: '1h', applications: ['*'] };
    const verdict = syncAllowed([always], shop, 'automated', at('2026-11-30T12:00:00Z'));
    assert.match(verdict.reason ?? '', /\(until at least 2026-12-01T/);
    assert.equal(verdict.opensAt, undefined);
    assert.equal(windowStates([always], at('2026-11-30T12:00:00Z'))[0].open?.atLeast, true);
  });
});
