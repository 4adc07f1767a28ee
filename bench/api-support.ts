// Helpers of the API and UI benchmark (api.bench.ts): a fleet of Application objects with a
// varied spec and a controller-like status, and the API server's own request timing read from
// its Prometheus histogram.
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import type { KubeRest } from '../src/adapters/kube/rest.ts';
import { checkVerdict } from './stats.ts';

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

const ROW = 'a.app-row[data-app]';

/**
 * The list page with every bench app loaded (real Applications, served by the real server):
 * only the rows in view are in the DOM, the last app is reached by scrolling, and the label and
 * name filters count exactly the apps they should. Each check prints its verdict; a check not
 * met fails the benchmark (the figures of a page that renders wrongly mean nothing).
 */
export async function checkListAtScale(page: Page, base: string, appCount: number): Promise<void> {
  const count = page.getByTestId('app-count');
  await page.goto(`${base}/#/applications`);
  await count.getByText(String(appCount), { exact: true }).waitFor({ timeout: 120_000 });
  const rendered = await page.locator(ROW).count();
  const last = benchAppName(appCount - 1);
  await page.locator('.virtual-list').evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  const lastShown = await page
    .locator(`${ROW}[data-app="${last}"]`)
    .waitFor({ timeout: 30_000 })
    .then(
      () => true,
      () => false,
    );
  // team-7 labels every app whose index is 7 modulo 50 (createBenchApp).
  const team7 = Array.from({ length: appCount }, (_, i) => i).filter((i) => i % 50 === 7).length;
  await page.getByLabel('Label selector').fill('team=team-7');
  const labelled = await shows(page, `${team7} of ${appCount}`);
  await page.getByLabel('Label selector').fill('');
  await page.getByLabel('Search applications').fill(benchAppName(17));
  const searched = await shows(page, `1 of ${appCount}`);
  const checks = [
    [rendered > 5 && rendered < 60, `${rendered} rows in the DOM`, 'more than 5, fewer than 60'],
    [lastShown, `scrolled to the end: ${last} ${lastShown ? 'shown' : 'not shown'}`, 'the last app shown'],
    [labelled, `label team=team-7: ${team7} of ${appCount} ${labelled ? 'counted' : 'not counted'}`, 'exact'],
    [
      searched,
      `search ${benchAppName(17)}: 1 of ${appCount} ${searched ? 'counted' : 'not counted'}`,
      'exact',
    ],
  ] as const;
  for (const [met, figure, target] of checks)
    console.log(`UI list, ${appCount} apps: ${figure}; ${checkVerdict(met, target, 'issue 4')}`);
  if (checks.some(([met]) => !met)) throw new Error(`the list page of ${appCount} apps renders wrongly`);
}

async function shows(page: Page, text: string): Promise<boolean> {
  return page
    .getByTestId('app-count')
    .getByText(text, { exact: true })
    .waitFor({ timeout: 30_000 })
    .then(
      () => true,
      () => false,
    );
}
