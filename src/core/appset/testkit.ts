// Fixtures shared by the ApplicationSet unit tests (pure data, no I/O).
import { type Application, withDefaults } from '../model/application.ts';
import type { ApplicationSet } from '../model/application-set.ts';
import { comparedToOf } from '../model/compared-to.ts';

export function appSet(
  spec: Partial<ApplicationSet['spec']> = {},
  status?: ApplicationSet['status'],
): ApplicationSet {
  return {
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: 'shops', namespace: 'tiphys', uid: 'set-uid' },
    spec: {
      generators: [{ list: { elements: [] } }],
      template: {
        metadata: { name: '{{name}}-shop', labels: { region: '{{region}}' } },
        spec: {
          project: 'team',
          source: { repoURL: 'https://git.example/shop.git', path: 'shop', targetRevision: '{{rev}}' },
          destination: { server: '{{server}}', namespace: 'shop' },
        },
      },
      ...spec,
    },
    ...(status ? { status } : {}),
  };
}

export function liveApp(desired: Application, status?: Application['status']): Application {
  return { ...structuredClone(desired), ...(status ? { status } : {}) };
}

/** A status saying the app was compared on its current spec, with that sync and health. */
export function observed(
  app: Application,
  sync: 'Synced' | 'OutOfSync',
  health: string,
): Application['status'] {
  return {
    sync: { status: sync, comparedTo: comparedToOf(withDefaults(app).spec) },
    health: { status: health as 'Healthy' },
  };
}
