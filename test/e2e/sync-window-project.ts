// The AppProject both sync-window end-to-end tests hold apps in: `frozen`, open to every
// repository and destination, with a deny window over the apps named frozen-* that fires every
// minute for an hour, so it is open for the whole test.
import type { AppProject } from '../../src/core/model/app-project.ts';
import { type Env, NAMESPACE } from './support.ts';

type SyncWindow = NonNullable<AppProject['spec']['syncWindows']>[number];

export const FREEZE_WINDOW: SyncWindow = {
  kind: 'deny',
  schedule: '* * * * *',
  duration: '1h',
  applications: ['frozen-*'],
  description: 'freeze',
};

/** Creates the project `frozen` with the freeze window first, then `moreWindows`. */
export async function createFrozenProject(env: Env, moreWindows: SyncWindow[] = []): Promise<void> {
  const project: AppProject = {
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'AppProject',
    metadata: { name: 'frozen', namespace: NAMESPACE },
    spec: {
      sourceRepos: ['*'],
      destinations: [{ cluster: '*', namespace: '*' }],
      clusterResourceWhitelist: [{ group: '*', kind: '*' }],
      syncWindows: [FREEZE_WINDOW, ...moreWindows],
    },
  };
  await env.rest.request('POST', `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/appprojects`, {
    body: project,
  });
}
