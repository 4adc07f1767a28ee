import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Cluster } from '../core/model/cluster.ts';
import { formatClusterDetails } from './cluster-get.ts';

const recovered: Cluster = {
  apiVersion: 'tiphys.dev/v1alpha1',
  kind: 'Cluster',
  metadata: { name: 'region-a', labels: { region: 'eu' } },
  spec: { server: 'https://10.0.0.2:6443', credentialsSecret: { name: 'cluster-region-a-x1' } },
  status: {
    connection: { status: 'Successful' },
    health: { phase: 'Reachable' },
    serverVersion: 'v1.36.3',
    applicationsCount: 30,
    recovery: {
      incident: '2026-11-30T10:00:00.000Z',
      phase: 'Succeeded',
      message: '30 application(s) Synced and Healthy',
      attempts: 1,
      apps: ['a'],
      timeline: {
        lostAt: '2026-11-30T10:00:00.000Z',
        actionStartedAt: '2026-11-30T10:00:01.000Z',
        clusterAnsweredAt: '2026-11-30T10:00:30.000Z',
        firstAppSyncedAt: '2026-11-30T10:00:35.000Z',
        allHealthyAt: '2026-11-30T10:00:50.000Z',
      },
    },
    notifications: [
      {
        trigger: 'on-cluster-lost',
        service: 'ops',
        outcome: 'Delivered',
        attempts: 1,
        at: '2026-11-30T10:00:00.500Z',
      },
      {
        trigger: 'on-cluster-recovered',
        service: 'pager',
        recipient: 'sre',
        outcome: 'Failed',
        message: 'HTTP 503 from the receiver',
        attempts: 3,
        at: '2026-11-30T10:00:51.000Z',
      },
    ],
  },
};

test('cluster get shows the recovery with its RTO and the last result of each notification', () => {
  const text = formatClusterDetails(recovered);
  assert.match(text, /Recovery:\s+Succeeded: 30 application\(s\) Synced and Healthy/);
  assert.match(text, /RTO \(lost → all Healthy\):\s+50 s/);
  assert.match(text, /After the answer:\s+20 s/);
  assert.match(text, /on-cluster-lost\s+ops\s+Delivered\s+1/);
  assert.match(text, /on-cluster-recovered\s+pager\s+sre\s+Failed\s+3 .*HTTP 503 from the receiver/);
  assert.doesNotMatch(text, /cluster-region-a-x1/, 'not even the name of the credentials Secret');
});

test('cluster get of a cluster never lost says so by leaving the recovery out', () => {
  const text = formatClusterDetails({ ...recovered, status: { health: { phase: 'Reachable' } } });
  assert.match(text, /Health:\s+Reachable/);
  assert.doesNotMatch(text, /Recovery|Notifications|RTO/);
});
