import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { ApplicationStore } from '../adapters/control-plane/application-store.ts';
import { DestinationRegistry } from '../adapters/control-plane/destination-registry.ts';
import { RepoCredentialStore } from '../adapters/control-plane/repo-credential-store.ts';
import { GitRepoCache } from '../adapters/git/index.ts';
import { RenderCache, resolveTools } from '../adapters/render/render.ts';
import { diffObjects } from '../core/diff/index.ts';
import { withDefaults } from '../core/model/application.ts';
import { type Comparison, ComparisonCache, compareResources } from './reconcile/compare.ts';
import { prepareDesired, watchPreviousKinds } from './reconcile/desired-state.ts';
import { renderSource, resolveRevision } from './reconcile/source.ts';

export interface AppDiff {
  revision: string;
  resources: { key: string; status: string; diff: string }[];
}

/**
 * What a sync of the Application would change, computed the way the controller compares (render
 * the target revision, server-side dry run against the live objects), for `tiphys app diff`.
 * Secrets are masked by the diff itself.
 */
export async function diffApplication(kc: KubeConfig, namespace: string, name: string): Promise<AppDiff> {
  const cacheDir = mkdtempSync(join(tmpdir(), 'tiphys-diff-'));
  const apps = new ApplicationStore(kc, namespace);
  const destinations = new DestinationRegistry(kc, namespace, () => () => {});
  try {
    const stored = await apps.fetch(name);
    if (!stored) throw new Error(`application "${name}" not found in namespace ${namespace}`);
    const app = withDefaults(stored);
    const credentials = new RepoCredentialStore(kc, namespace);
    const deps = {
      git: new GitRepoCache({ cacheDir }),
      renderCache: new RenderCache(),
      tools: resolveTools(),
      credentialsFor: (url: string) => credentials.forUrl(url),
    };
    const destination = await destinations.get(app.spec.destination.cluster);
    const revision = await resolveRevision(deps, app.spec.source.repoURL, app.spec.source.targetRevision);
    const rendered = await renderSource(deps, app, revision, await destination.client.serverVersion());
    const desired = await prepareDesired(rendered.objects, name, app.spec.destination.namespace, destination);
    await watchPreviousKinds(destination, stored.status?.resources);
    const tracked = destination.cache.trackedBy(name);
    const comparison = await compareResources(
      name,
      desired,
      tracked,
      destination,
      app.spec.ignoreDifferences ?? [],
      new ComparisonCache(),
    );
    return appDiffOf(revision, comparison);
  } finally {
    await destinations.stop();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

/**
 * The unified diff of every resource that differs, from a comparison: the predicted object (what
 * a sync would make) against the live one. diffObjects masks Secret values on both sides.
 */
export function appDiffOf(revision: string, comparison: Comparison): AppDiff {
  const resources = comparison.resources
    .filter((r) => !r.hook)
    .map((r) => {
      const desiredObject = r.requiresPruning ? undefined : (r.predicted ?? r.desired?.object);
      const diff = r.status === 'Synced' ? '' : diffObjects(desiredObject, r.live, {}).text;
      return { key: r.id, status: r.status, diff: diff || (r.message ?? '') };
    });
  return { revision, resources };
}
