import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { type Application, validateApplication } from '../../core/model/application.ts';
import {
  addSpecOptions,
  applicationFromFlags,
  applySpecFlags,
  imageName,
  type SpecFlags,
} from './spec-flags.ts';

/** Parses the flags exactly as `app create`/`app set` do. */
function parse(mode: 'create' | 'set', args: string[]): SpecFlags {
  const command = addSpecOptions(new Command(mode).exitOverride().argument('<name>'), mode);
  command.configureOutput({ writeErr: () => {} });
  command.parse(['web', ...args], { from: 'user' });
  return command.opts() as SpecFlags;
}

const REQUIRED = [
  '--repo',
  'https://git.example.com/config.git',
  '--path',
  'apps/web',
  '--dest-namespace',
  'web',
];

test('the minimal create flags make a valid Application with the in-cluster destination', () => {
  const app = applicationFromFlags('web', 'tiphys', parse('create', REQUIRED));
  assert.deepEqual(app, {
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'web', namespace: 'tiphys' },
    spec: {
      source: { repoURL: 'https://git.example.com/config.git', path: 'apps/web' },
      destination: { cluster: 'in-cluster', namespace: 'web' },
    },
  });
  assert.deepEqual(validateApplication(app), []);
});

test('create requires --repo, --path and --dest-namespace', () => {
  assert.throws(() => parse('create', ['--repo', 'r', '--path', 'p']), /--dest-namespace/);
  assert.throws(() => parse('create', ['--path', 'p', '--dest-namespace', 'n']), /--repo/);
});

test('every create flag lands in its spec field', () => {
  const flags = parse('create', [
    ...REQUIRED,
    '--revision',
    'v1.2.0',
    '--dest-cluster',
    'eu-1',
    '--project',
    'team-a',
    '--sync-policy',
    'automated',
    '--self-heal',
    '--auto-prune',
    '--allow-empty',
    '--sync-option',
    'CreateNamespace=true',
    '--sync-option',
    'ServerSideApply=true',
    '--helm-set',
    'image.tag=1.2',
    '--helm-set',
    'replicas=3',
    '--helm-set-string',
    'port=8080',
    '--values',
    'values-prod.yaml',
    '--values',
    'secrets.yaml',
    '--release-name',
    'web-prod',
    '--depends-on',
    'db',
    '--depends-on',
    'cache',
  ]);
  const app = applicationFromFlags('web', 'tiphys', flags);
  assert.deepEqual(app.spec, {
    project: 'team-a',
    source: {
      repoURL: 'https://git.example.com/config.git',
      path: 'apps/web',
      targetRevision: 'v1.2.0',
      helm: {
        parameters: [
          { name: 'image.tag', value: '1.2' },
          { name: 'replicas', value: '3' },
          { name: 'port', value: '8080', forceString: true },
        ],
        valueFiles: ['values-prod.yaml', 'secrets.yaml'],
        releaseName: 'web-prod',
      },
    },
    destination: { cluster: 'eu-1', namespace: 'web' },
    dependsOn: ['db', 'cache'],
    syncPolicy: {
      automated: { prune: true, selfHeal: true, allowEmpty: true },
      syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
    },
  });
  assert.deepEqual(validateApplication(app), []);
});

test('kustomize and directory flags fill their source blocks', () => {
  const kustomize = applicationFromFlags(
    'web',
    'tiphys',
    parse('create', [...REQUIRED, '--kustomize-image', 'nginx=nginx:1.27', '--name-prefix', 'prod-']),
  );
  assert.deepEqual(kustomize.spec.source?.kustomize, { images: ['nginx=nginx:1.27'], namePrefix: 'prod-' });
  const directory = applicationFromFlags(
    'web',
    'tiphys',
    parse('create', [...REQUIRED, '--directory-recurse']),
  );
  assert.deepEqual(directory.spec.source?.directory, { recurse: true });
});

test('mixing Helm and Kustomize flags is reported by validation', () => {
  const app = applicationFromFlags(
    'web',
    'tiphys',
    parse('create', [...REQUIRED, '--helm-set', 'a=b', '--name-prefix', 'x-']),
  );
  assert.deepEqual(validateApplication(app), ['spec.source: set at most one of directory, kustomize, helm']);
});

test('automated sub-options without an automated policy are refused', () => {
  assert.throws(
    () => applicationFromFlags('web', 'tiphys', parse('create', [...REQUIRED, '--self-heal'])),
    /--self-heal needs an automated sync policy/,
  );
  assert.throws(
    () =>
      applicationFromFlags(
        'web',
        'tiphys',
        parse('create', [...REQUIRED, '--sync-policy', 'none', '--auto-prune']),
      ),
    /--auto-prune needs an automated sync policy/,
  );
});

test('malformed key=value flags are refused', () => {
  assert.throws(
    () => applicationFromFlags('web', 'tiphys', parse('create', [...REQUIRED, '--helm-set', 'x'])),
    /--helm-set "x"/,
  );
  assert.throws(
    () => applicationFromFlags('web', 'tiphys', parse('create', [...REQUIRED, '--sync-option', 'Prune'])),
    /sync option "Prune"/,
  );
  assert.throws(() => parse('create', [...REQUIRED, '--sync-policy', 'sometimes']), /Allowed choices/);
});

const existing: Application['spec'] = {
  source: {
    repoURL: 'https://git.example.com/config.git',
    path: 'chart',
    helm: {
      parameters: [
        { name: 'image.tag', value: '1.0' },
        { name: 'replicas', value: '2' },
      ],
      valueFiles: ['a.yaml'],
    },
  },
  destination: { cluster: 'in-cluster', namespace: 'web' },
  syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
};

test('set changes only what its flags name and merges parameters by name', () => {
  const spec = applySpecFlags(
    existing,
    parse('set', [
      '--revision',
      'main',
      '--helm-set',
      'image.tag=2.0',
      '--helm-set',
      'debug=true',
      '--values',
      'b.yaml',
      '--sync-option',
      'CreateNamespace=false',
      '--no-self-heal',
    ]),
  );
  assert.deepEqual(spec, {
    source: {
      repoURL: 'https://git.example.com/config.git',
      path: 'chart',
      targetRevision: 'main',
      helm: {
        parameters: [
          { name: 'image.tag', value: '2.0' },
          { name: 'replicas', value: '2' },
          { name: 'debug', value: 'true' },
        ],
        valueFiles: ['b.yaml'],
      },
    },
    destination: { cluster: 'in-cluster', namespace: 'web' },
    syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=false'] },
  });
  assert.equal(existing.syncPolicy?.automated?.selfHeal, true, 'the input is left unchanged');
});

test('set --sync-policy none turns automation off; no flags change nothing', () => {
  const manual = applySpecFlags(existing, parse('set', ['--sync-policy', 'none']));
  assert.deepEqual(manual.syncPolicy, { syncOptions: ['CreateNamespace=true'] });
  assert.deepEqual(applySpecFlags(existing, parse('set', [])), existing);
});

test('kustomize images override by image name', () => {
  assert.equal(imageName('nginx=nginx:1.27'), 'nginx');
  assert.equal(imageName('nginx:1.27'), 'nginx');
  assert.equal(imageName('registry:5000/team/web@sha256:abc'), 'registry:5000/team/web');
  assert.equal(imageName('registry:5000/team/web:2'), 'registry:5000/team/web');
  const spec = applySpecFlags(
    { ...existing, source: { repoURL: 'r', kustomize: { images: ['nginx:1.25', 'redis:7'] } } },
    parse('set', ['--kustomize-image', 'nginx:1.27']),
  );
  assert.deepEqual(spec.source?.kustomize?.images, ['nginx:1.27', 'redis:7']);
});
