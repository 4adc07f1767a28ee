// Set-up shared by the fleet end-to-end tests: remote testbed clusters registered as labelled
// Clusters, and ApplicationSets written and read like a person would with kubectl.
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import type { ApplicationSet } from '../../src/core/model/application-set.ts';
import { registerCluster } from '../../src/domain/clusters.ts';
import type { TestCluster } from '../../testbed/src/cluster.ts';
import { type Env, eventually, NAMESPACE } from './support.ts';

const setsPath = `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/applicationsets`;

export async function registerTestCluster(
  env: Env,
  name: string,
  cluster: TestCluster,
  labels: Record<string, string>,
) {
  await registerCluster(
    { rest: env.rest, namespace: NAMESPACE },
    { name, server: cluster.server, labels, credentials: { bearerToken: cluster.token, caData: cluster.ca } },
    { replace: false },
  );
}

export async function createSet(
  env: Env,
  name: string,
  spec: Record<string, unknown>,
): Promise<ApplicationSet> {
  return env.rest.request<ApplicationSet>('POST', setsPath, {
    body: {
      apiVersion: 'tiphys.dev/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name, namespace: NAMESPACE },
      spec,
    },
  });
}

export function getSet(env: Env, name: string): Promise<ApplicationSet> {
  return env.rest.request<ApplicationSet>('GET', `${setsPath}/${name}`);
}

export function patchSet(env: Env, name: string, body: unknown): Promise<ApplicationSet> {
  return env.rest.request<ApplicationSet>('PATCH', `${setsPath}/${name}`, {
    body,
    contentType: 'application/merge-patch+json',
  });
}

export async function waitForSet(
  env: Env,
  name: string,
  predicate: (set: ApplicationSet) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<ApplicationSet> {
  return eventually(
    `${name}: ${what}`,
    async () => {
      const set = await getSet(env, name);
      return predicate(set) ? set : undefined;
    },
    timeoutMs,
    async () => JSON.stringify((await getSet(env, name)).status, null, 1).slice(0, 4000),
  );
}

/** Names of the Applications a set owns (by its label), sorted. */
export async function appsOfSet(env: Env, name: string): Promise<string[]> {
  const list = await env.rest.request<{ items: { metadata: { name: string } }[] }>(
    'GET',
    `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/applications`,
    { query: { labelSelector: `tiphys.dev/application-set=${name}` } },
  );
  return list.items.map((a) => a.metadata.name).sort();
}

/** Makes a repository of the testbed Git server unreachable (the server answers 404) and back. */
export function repoOutage(env: Env, repo: string) {
  const path = join(env.git.root, `${repo}.git`);
  const hidden = `${path}.away`;
  return {
    start: () => renameSync(path, hidden),
    end: () => renameSync(hidden, path),
  };
}

export const conditionOf = (set: ApplicationSet, type: string) =>
  set.status?.conditions?.find((c) => c.type === type);
