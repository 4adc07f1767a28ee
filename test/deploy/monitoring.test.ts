// deploy/monitoring: the ServiceMonitor scrapes the Services deploy/install makes, by their
// labels and port names, and every metric the Grafana dashboard queries is one Tiphys exports
// (read from the real registries of the controller and the API server), so a renamed metric
// cannot leave a dashboard panel silently empty.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../../scripts/deploy/generated.ts';
import { ControllerMetrics } from '../../src/controller/metrics.ts';
import { ServerMetrics } from '../../src/server/metrics.ts';
import { ensureTestbedBinaries } from '../../testbed/src/binaries.ts';

const monitoring = join(repoRoot, 'deploy/monitoring');
type Doc = {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
};

async function build(dir: string): Promise<Doc[]> {
  const { kustomize } = await ensureTestbedBinaries();
  const out = await new Promise<string>((resolve, reject) =>
    execFile(kustomize, ['build', dir], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(new Error(stderr || error.message)) : resolve(stdout),
    ),
  );
  return parseAllDocuments(out).map((d) => d.toJSON() as Doc);
}

test('the ServiceMonitor selects the controller and server Services and names their ports', async () => {
  const [docs, install] = await Promise.all([build(monitoring), build(join(repoRoot, 'deploy/install'))]);
  const monitor = docs.find((d) => d.kind === 'ServiceMonitor');
  assert.ok(monitor);
  const values = (monitor.spec.selector as { matchExpressions: { values: string[] }[] }).matchExpressions[0]
    .values;
  const services = install.filter(
    (d) => d.kind === 'Service' && values.includes(d.metadata.labels?.['app.kubernetes.io/name'] ?? ''),
  );
  assert.deepEqual(services.map((s) => s.metadata.name).sort(), ['tiphys-metrics', 'tiphys-server']);
  const ports = new Set(services.flatMap((s) => (s.spec.ports as { name: string }[]).map((p) => p.name)));
  for (const endpoint of monitor.spec.endpoints as { port: string }[])
    assert.ok(ports.has(endpoint.port), endpoint.port);
  const dashboard = docs.find((d) => d.kind === 'ConfigMap');
  assert.equal(dashboard?.metadata.labels?.grafana_dashboard, '1');
});

test('every metric the dashboard queries is exported by the controller or the API server', async () => {
  const json = JSON.parse(readFileSync(join(monitoring, 'tiphys-dashboard.json'), 'utf8')) as {
    panels: { targets: { expr: string }[] }[];
    templating: { list: { query?: unknown }[] };
  };
  const controller = new ControllerMetrics();
  controller.trackApps(() => []);
  const names = new Set<string>();
  for (const registry of [controller.registry, new ServerMetrics({ processMetrics: true }).registry]) {
    for (const metric of await registry.getMetricsAsJSON()) {
      names.add(metric.name);
      if (String(metric.type) === 'histogram')
        for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
    }
  }
  const queries = [
    ...json.panels.flatMap((p) => p.targets.map((t) => t.expr)),
    ...json.templating.list.map((v) => JSON.stringify(v.query ?? '')),
  ];
  const used = new Set(queries.flatMap((q) => q.match(/\b(?:tiphys|process|nodejs)_[a-z_]+\b/g) ?? []));
  assert.ok(used.size >= 8, [...used].join(', '));
  for (const name of used) assert.ok(names.has(name), `${name} is not exported`);
});
