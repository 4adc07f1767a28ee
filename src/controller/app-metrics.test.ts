import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import type { Application } from '../core/model/application.ts';
import { registerAppGauges } from './app-metrics.ts';
import { ControllerMetrics } from './metrics.ts';

const app = (name: string, health: string, sync: string): Application =>
  ({
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'tiphys' },
    spec: {
      project: 'team-a',
      source: { repoURL: 'https://git.example/config', path: name },
      destination: { namespace: 'shop' },
      syncPolicy: { automated: {} },
    },
    status: { sync: { status: sync }, health: { status: health } },
  }) as unknown as Application;

test("per-app info, sync and health gauges carry Argo CD's label names and follow the informer", async () => {
  const registry = new Registry();
  let apps = [app('web', 'Degraded', 'OutOfSync')];
  registerAppGauges(registry, () => apps);
  const text = await registry.metrics();
  assert.match(
    text,
    /^tiphys_app_info\{name="web",namespace="tiphys",project="team-a",dest_server="in-cluster",dest_namespace="shop",repo="https:\/\/git.example\/config",sync_status="OutOfSync",health_status="Degraded",operation="",autosync_enabled="true"\} 1$/m,
  );
  assert.match(text, /^tiphys_app_health_status\{[^}]*name="web"[^}]*health_status="Degraded"\} 1$/m);
  assert.match(text, /^tiphys_app_health_status\{[^}]*name="web"[^}]*health_status="Healthy"\} 0$/m);
  assert.match(text, /^tiphys_app_sync_status\{[^}]*sync_status="OutOfSync"\} 1$/m);
  apps = [app('api', 'Healthy', 'Synced')];
  const after = await registry.metrics();
  assert.ok(!after.includes('name="web"'), 'a deleted app leaves no series behind');
  assert.match(after, /^tiphys_app_health_status\{[^}]*name="api"[^}]*health_status="Healthy"\} 1$/m);
});

test('an app with only spec.sources (or an empty list stored before minItems) gets its gauges, not a failed scrape', async () => {
  const registry = new Registry();
  const several = app('several', 'Healthy', 'Synced');
  delete (several.spec as { source?: unknown }).source;
  several.spec.sources = [
    { repoURL: 'oci://registry.example/team/config', targetRevision: 'prod', path: 'app' },
  ];
  const empty = app('empty', 'Unknown', 'Unknown');
  delete (empty.spec as { source?: unknown }).source;
  empty.spec.sources = [];
  registerAppGauges(registry, () => [several, empty]);
  const text = await registry.metrics();
  assert.match(text, /^tiphys_app_info\{name="several",[^}]*repo="oci:\/\/registry.example\/team\/config"/m);
  assert.match(text, /^tiphys_app_info\{name="empty",[^}]*repo=""/m);
});

test('process metrics have no prefix, as stock dashboards expect', async () => {
  const text = await new ControllerMetrics().registry.metrics();
  assert.match(text, /^process_resident_memory_bytes \d+/m);
  assert.match(text, /^nodejs_heap_size_used_bytes \d+/m);
  assert.ok(!text.includes('tiphys_process_'));
});
