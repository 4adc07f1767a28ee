// Helpers of the API and UI benchmark (api.bench.ts): a fleet of Application objects with a
// varied spec and a controller-like status, and the API server's own request timing read from
// its Prometheus histogram.
import { createHash } from 'node:crypto';
import type { KubeRest } from '../src/adapters/kube/rest.ts';

const APPS_PATH = (namespace: string) => `/apis/tiphys.dev/v1alpha1/namespaces/${namespace}/applications`;

export const benchAppName = (i: number) => `app-${String(i).padStart(4, '0')}`;

export function benchAppSpec(i: number): Record<string, unknown> {
  return {
    source: { repoURL: `https://git.example.com/team-${i % 50}/config`, path: `apps/${i}` },
    destination: { namespace: `ns-${i}` },
    project: 'default',
  };
}

const SYNC = [
  'Synced',
  'Synced',
  'Synced',
  'Synced',
  'Synced',
  'Synced',
  'OutOfSync',
  'OutOfSync',
  'Unknown',
];
const HEALTH = ['Healthy', 'Healthy', 'Healthy', 'Healthy', 'Healthy', 'Progressing', 'Degraded', 'Missing'];

/**
 * What the controller would have written after one automated sync: sync and health (mixed
 * across the fleet), three managed resources, the last operation and one history entry.
 */
export function benchAppStatus(i: number, spec: Record<string, unknown>): Record<string, unknown> {
  const sync = SYNC[i % SYNC.length];
  const health = HEALTH[(i * 7) % HEALTH.length];
  const revision = createHash('sha1')
    .update(`revision-${i % 97}`)
    .digest('hex');
  const namespace = `ns-${i}`;
  const name = benchAppName(i);
  const at = new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const source = spec.source;
  const destination = spec.destination;
  const resources = [
    { version: 'v1', kind: 'ConfigMap', namespace, name: `${name}-config` },
    { version: 'v1', kind: 'Service', namespace, name },
    { group: 'apps', version: 'v1', kind: 'Deployment', namespace, name },
  ];
  const resourceHealth = (kind: string) =>
    kind === 'ConfigMap'
      ? undefined
      : { status: health, ...(health === 'Healthy' ? {} : { message: `${kind} ${name} is ${health}` }) };
  return {
    sync: { status: sync, revision, comparedTo: { source, destination } },
    health: { status: health },
    resources: resources.map((r) => {
      const h = resourceHealth(r.kind);
      return {
        ...r,
        status: sync === 'OutOfSync' && r.kind === 'Deployment' ? 'OutOfSync' : 'Synced',
        ...(h ? { health: h } : {}),
      };
    }),
    operationState: {
      operation: { sync: { revision }, initiatedBy: { automated: true } },
      phase: 'Succeeded',
      message: 'successfully synced (all tasks run)',
      startedAt: at,
      finishedAt: at,
      syncResult: {
        revision,
        source,
        resources: resources.map((r) => ({
          ...r,
          status: 'Synced',
          message: `${r.kind.toLowerCase()}/${r.name} serverside-applied`,
          syncPhase: 'Sync',
        })),
      },
    },
    history: [
      {
        id: 1,
        revision,
        source,
        deployedAt: at,
        deployStartedAt: at,
        initiatedBy: { automated: true },
      },
    ],
    reconciledAt: at,
    observedAt: at,
    summary: { images: [`registry.example/team-${i % 50}/app:1.${i % 20}.0`] },
  };
}

/** Creates Application `i`, then writes its status through the status subresource. */
export async function createBenchApp(rest: KubeRest, namespace: string, i: number): Promise<void> {
  const spec = benchAppSpec(i);
  const name = benchAppName(i);
  await rest.request('POST', APPS_PATH(namespace), {
    body: {
      apiVersion: 'tiphys.dev/v1alpha1',
      kind: 'Application',
      metadata: { name, namespace, labels: { team: `team-${i % 50}` } },
      spec,
    },
  });
  await rest.request('PATCH', `${APPS_PATH(namespace)}/${name}/status`, {
    body: { status: benchAppStatus(i, spec) },
    contentType: 'application/merge-patch+json',
  });
}

const DURATION = 'tiphys_server_request_duration_seconds';

/** The count and sum (seconds) of the server's request-duration histogram for one GET route. */
export function routeTiming(metricsText: string, route: string): { count: number; sum: number } {
  const labels = `{method="GET",route="${route}",status="200"}`;
  const value = (suffix: string) => {
    const prefix = `${DURATION}_${suffix}${labels} `;
    const line = metricsText.split('\n').find((l) => l.startsWith(prefix));
    return line === undefined ? 0 : Number(line.slice(prefix.length));
  };
  return { count: value('count'), sum: value('sum') };
}
