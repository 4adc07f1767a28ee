// The fleet both fleet benches measure (fleet.bench.ts by one controller, fleet-shards.bench.ts by
// three sharded replicas): a monorepo of BENCH_FLEET_DIRS directories of ConfigMaps, three
// testbed clusters registered as regions a, b and c, and the one ApplicationSet (clusters x Git
// directories matrix) that stamps an app per region and directory. Set-up only: nothing here is
// timed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Application } from '../src/core/model/application.ts';
import { registerCluster } from '../src/domain/clusters.ts';
import { type Env, NAMESPACE, startEnv } from '../test/e2e/support.ts';
import { startCluster, type TestCluster } from '../testbed/src/cluster.ts';
import { writeFiles } from './gitops.ts';

/** Directories per cluster (default 50): the set makes 3 × that apps. 1,000 apps is 334. */
export const dirs = Number(process.env.BENCH_FLEET_DIRS ?? 50);
export const objectsPerApp = 10;
export const apps = 3 * dirs;
export const dirName = (i: number) => `svc-${String(i).padStart(3, '0')}`;
export const syncPolicy = {
  automated: { prune: true, selfHeal: true },
  syncOptions: ['CreateNamespace=true'],
};

export interface Fleet {
  env: Env;
  regions: { name: string; cluster: TestCluster }[];
  /** The monorepo's working folder (pushed with env.git.createRepo('fleet', work)). */
  work: string;
  stop(): Promise<void>;
}

/** Writes the monorepo, starts the control cluster (region-a) and two more, registers all three. */
export async function startFleet(name: string): Promise<Fleet> {
  const work = mkdtempSync(join(tmpdir(), `tiphys-${name}-`));
  const files: Record<string, string> = {};
  for (let i = 0; i < dirs; i++) {
    for (let j = 0; j < objectsPerApp; j++) {
      files[`services/${dirName(i)}/cm-${j}.yaml`] =
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${j}\ndata:\n  value: "${i}-${j}"\n`;
    }
  }
  writeFiles(work, files);
  const [env, second, third] = await Promise.all([
    startEnv(name),
    startCluster({ name: `${name}-b` }),
    startCluster({ name: `${name}-c` }),
  ]);
  const regions = [
    { name: 'region-a', cluster: env.cluster },
    { name: 'region-b', cluster: second },
    { name: 'region-c', cluster: third },
  ];
  for (const { name: region, cluster } of regions) {
    await registerCluster(
      { rest: env.rest, namespace: NAMESPACE },
      {
        name: region,
        server: cluster.server,
        labels: { region },
        credentials: { bearerToken: cluster.token, caData: cluster.ca },
      },
      { replace: false },
    );
  }
  return {
    env,
    regions,
    work,
    async stop() {
      await Promise.all([second.stop(), third.stop()]);
      await env.stop();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Creates the set `fleet`: one app `set-<region>-<dir>` per region and directory of `url`. */
export async function createFleetSet(
  env: Env,
  url: string,
  annotations?: Record<string, string>,
): Promise<void> {
  await env.rest.request('POST', `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/applicationsets`, {
    body: {
      apiVersion: 'tiphys.dev/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: 'fleet', namespace: NAMESPACE },
      spec: {
        generators: [
          {
            matrix: {
              generators: [
                { clusters: { selector: { matchExpressions: [{ key: 'region', operator: 'Exists' }] } } },
                { git: { repoURL: url, revision: 'main', directories: [{ path: 'services/*' }] } },
              ],
            },
          },
        ],
        template: {
          metadata: { name: 'set-{{name}}-{{path.basename}}', ...(annotations ? { annotations } : {}) },
          spec: {
            source: { repoURL: url, targetRevision: 'main', path: '{{path}}' },
            destination: { server: '{{server}}', namespace: 'set-{{path.basename}}' },
            syncPolicy,
          },
        },
      },
    },
  });
}

export const healthy = (a: Application) =>
  a.status?.sync?.status === 'Synced' && a.status?.health?.status === 'Healthy';
