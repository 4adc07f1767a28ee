import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Application } from '../../core/model/application.ts';
import { formatAppDetails, formatAppList, formatHistory, formatSyncResults } from './views.ts';

const SHA = 'abcdef0123456789abcdef0123456789abcdef01';

function app(name: string, extra: Partial<Application> = {}): Application {
  return {
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'tiphys' },
    spec: {
      source: { repoURL: 'https://git.example.com/config.git', path: `apps/${name}` },
      destination: { namespace: name },
    },
    ...extra,
  };
}

const synced = app('web', {
  spec: {
    project: 'team-a',
    source: { repoURL: 'https://git.example.com/config.git', path: 'apps/web', targetRevision: 'main' },
    destination: { cluster: 'eu-1', namespace: 'web' },
    syncPolicy: { automated: { prune: true, selfHeal: true } },
  },
  status: {
    sync: { status: 'Synced', revision: SHA },
    health: { status: 'Healthy' },
    conditions: [{ type: 'OrphanedResourceWarning', message: '1 orphaned resource' }],
    resources: [
      {
        group: 'apps',
        kind: 'Deployment',
        namespace: 'web',
        name: 'web',
        status: 'Synced',
        health: { status: 'Healthy' },
      },
      { kind: 'Service', namespace: 'web', name: 'web', status: 'Synced' },
    ],
  },
});

test('the list shows defaults for unset fields and Unknown before the first reconcile', () => {
  assert.equal(
    formatAppList([synced, app('db')], false),
    [
      'NAME   CLUSTER      NAMESPACE   PROJECT   SYNC      HEALTH    REVISION   CONDITIONS',
      'web    eu-1         web         team-a    Synced    Healthy   abcdef0    1',
      'db     in-cluster   db          default   Unknown   Unknown              0',
    ].join('\n'),
  );
});

test('the wide list adds repository, path and target revision', () => {
  const [header, row] = formatAppList([app('db')], true).split('\n');
  assert.match(header, /CONDITIONS {3}REPO {3,}PATH {3,}TARGET$/);
  assert.match(row, /https:\/\/git\.example\.com\/config\.git {3}apps\/db {3}HEAD$/);
});

test('get shows the summary, the conditions and the resources', () => {
  const text = formatAppDetails(synced);
  assert.match(text, /^Name: +web$/m);
  assert.match(text, /^Destination: +eu-1 \/ web$/m);
  assert.match(text, /^Sync policy: +Automated \(Prune, SelfHeal\)$/m);
  assert.match(text, /^Sync status: +Synced to main \(abcdef0\)$/m);
  assert.match(text, /^OrphanedResourceWarning {3}1 orphaned resource/m);
  assert.match(text, /^GROUP {3}KIND {9}NAMESPACE {3}NAME {3}SYNC {5}HEALTH {4}MESSAGE$/m);
  assert.match(text, /^apps {4}Deployment {3}web {9}web {4}Synced {3}Healthy$/m);
  assert.match(text, /^ {8}Service {6}web {9}web {4}Synced$/m);
});

test('get shows a pending operation and the last operation state', () => {
  const text = formatAppDetails(
    app('web', {
      operation: { sync: { revision: SHA }, initiatedBy: { username: 'cli' } },
      status: {
        operationState: {
          operation: { sync: {} },
          phase: 'Failed',
          message: 'one or more objects failed to apply',
          startedAt: '2025-01-01T00:00:00Z',
          syncResult: {
            revision: SHA,
            resources: [{ kind: 'ConfigMap', name: 'cfg', status: 'SyncFailed', message: 'invalid' }],
          },
        },
      },
    }),
  );
  assert.match(text, /^Pending operation: +sync to abcdef0 by cli$/m);
  assert.match(text, /^Phase: +Failed$/m);
  assert.match(text, /^Message: +one or more objects failed to apply$/m);
  assert.match(text, /^ +ConfigMap +cfg +SyncFailed +invalid$/m);
  assert.match(text, /No resources\.$/);
});

test('sync results show a hook by its phase', () => {
  const text = formatSyncResults([
    {
      kind: 'Job',
      namespace: 'web',
      name: 'migrate',
      hookType: 'PreSync',
      hookPhase: 'Succeeded',
      status: 'Synced',
    },
  ]);
  assert.match(text.split('\n')[1], /^ +Job +web +migrate +Succeeded +PreSync$/);
});

test('history is listed by ID', () => {
  const withHistory = app('web', {
    status: {
      history: [
        {
          id: 2,
          revision: 'b'.repeat(40),
          deployedAt: '2025-01-02T00:00:00Z',
          initiatedBy: { automated: true },
        },
        {
          id: 1,
          revision: 'a'.repeat(40),
          deployedAt: '2025-01-01T00:00:00Z',
          initiatedBy: { username: 'cli' },
        },
      ],
    },
  });
  const lines = formatHistory(withHistory).split('\n');
  assert.match(lines[0], /^ID {3}DATE {19}REVISION {35}INITIATED BY$/);
  assert.match(lines[1], /^1 {4}2025-01-01T00:00:00Z {3}a{40} {3}cli$/);
  assert.match(lines[2], /^2 .* automated$/);
  assert.match(formatHistory(app('new')), /has no deployment history yet/);
});

test('get shows the last notification per trigger and destination, with why one failed', () => {
  const text = formatAppDetails(
    app('web', {
      status: {
        notifications: [
          {
            trigger: 'on-deployed',
            service: 'hook',
            outcome: 'Failed',
            message: 'HTTP 500',
            at: '2026-01-01T00:00:00Z',
          },
          {
            trigger: 'on-deployed',
            service: 'hook',
            outcome: 'Delivered',
            attempts: 1,
            at: '2026-01-01T00:05:00Z',
          },
          {
            trigger: 'on-sync-failed',
            service: 'email',
            recipient: 'ops@example.com',
            outcome: 'Failed',
            attempts: 4,
            message: 'SMTP 451 try later',
            at: '2026-01-01T00:03:00Z',
          },
        ],
      },
    }),
  );
  assert.match(text, /^TRIGGER +SERVICE +RECIPIENT +RESULT +ATTEMPTS +AT +MESSAGE$/m);
  assert.match(text, /^on-deployed +hook +Delivered +1 +2026-01-01T00:05:00Z$/m);
  assert.match(
    text,
    /^on-sync-failed +email +ops@example\.com +Failed +4 +2026-01-01T00:03:00Z +SMTP 451 try later$/m,
  );
  assert.doesNotMatch(text, /HTTP 500/, 'the older result of the same destination is replaced');
});

test('get shows why a sync may not start and the windows that concern the app', () => {
  const text = formatAppDetails(app('web'), {
    project: 'shop',
    now: '2026-01-01T00:00:00.000Z',
    windows: [
      {
        index: 1,
        window: { kind: 'deny', schedule: '0 22 * * *', duration: '8h', applications: ['web'] },
        open: { start: '2025-12-31T22:00:00.000Z', end: '2026-01-01T06:00:00.000Z' },
      },
    ],
    manual: { allowed: false, reason: 'a deny sync window is open: #1', opensAt: '2026-01-01T06:00:00.000Z' },
    automated: {
      allowed: false,
      reason: 'a deny sync window is open: #1',
      opensAt: '2026-01-01T06:00:00.000Z',
    },
  });
  assert.match(
    text,
    /^Manual sync: +blocked: a deny sync window is open: #1; may start at 2026-01-01T06:00:00.000Z$/m,
  );
  assert.match(text, /^1 +deny +0 22 \* \* \* +8h +UTC +no +app:web +open until 2026-01-01T06:00:00.000Z$/m);
  assert.doesNotMatch(formatAppDetails(app('web')), /Manual sync/);
});

test('app get of an app of several sources shows a line per source and each source revision', () => {
  const app = {
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'shop', namespace: 'tiphys' },
    spec: {
      sources: [
        { repoURL: 'oci://r.example.com/charts', chart: 'shop', targetRevision: '~1.4' },
        { repoURL: 'https://git.example.com/config', ref: 'values' },
      ],
      destination: { namespace: 'shop' },
    },
    status: { sync: { status: 'Synced', revision: `1.4.2@sha256:${'a'.repeat(64)};${'b'.repeat(40)}` } },
  } as unknown as Parameters<typeof formatAppDetails>[0];
  const text = formatAppDetails(app);
  assert.match(text, /Source 1: +oci:\/\/r.example.com\/charts chart shop at ~1.4/);
  assert.match(text, /Source 2: +https:\/\/git.example.com\/config at HEAD \(ref values\)/);
  assert.match(text, /\(1\.4\.2@sha256:a{64};bbbbbbb\)/);
});
