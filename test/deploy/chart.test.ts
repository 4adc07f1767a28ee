// The Helm chart deploy/chart: lint, what its values change, refusals of bad values, and that by
// default it installs the same Pods as deploy/install (one installation, two ways to apply it).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../../scripts/deploy/generated.ts';
import { ensureTestbedBinaries } from '../../testbed/src/binaries.ts';

// biome-ignore lint/suspicious/noExplicitAny: manifests are inspected field by field
type Obj = { kind: string; metadata: { name: string; namespace?: string }; [key: string]: any };

const chart = join(repoRoot, 'deploy/chart');
let helm: string;
let kustomize: string;
before(async () => {
  ({ helm, kustomize } = await ensureTestbedBinaries());
});

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(new Error(stderr || error.message)) : resolve(stdout),
    );
  });
}

async function template(...sets: string[]): Promise<Obj[]> {
  const args = ['template', 'tiphys', chart, '--namespace', 'tiphys', '--include-crds'];
  for (const set of sets) args.push('--set', set);
  return parseAllDocuments(await run(helm, args))
    .map((doc) => doc.toJSON() as Obj | null)
    .filter((o): o is Obj => o !== null);
}

const find = (objects: Obj[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);

test('helm lint passes, strict', async () => {
  const out = await run(helm, ['lint', '--strict', chart]);
  assert.match(out, /1 chart\(s\) linted, 0 chart\(s\) failed/);
});

test('by default the chart makes the Pods, Services and CRDs of deploy/install', async () => {
  const fromChart = await template();
  const fromKustomize = parseAllDocuments(
    await run(kustomize, ['build', join(repoRoot, 'deploy/install')]),
  ).map((doc) => doc.toJSON() as Obj);
  const podOf = (o: Obj | undefined) => {
    assert.ok(o);
    const pod = structuredClone(o.spec.template.spec);
    for (const container of pod.containers) {
      delete container.image;
      delete container.imagePullPolicy;
    }
    return { pod, replicas: o.spec.replicas, strategy: o.spec.strategy, selector: o.spec.selector };
  };
  for (const name of ['tiphys-controller', 'tiphys-server']) {
    assert.deepEqual(
      podOf(find(fromChart, 'Deployment', name)),
      podOf(find(fromKustomize, 'Deployment', name)),
    );
  }
  for (const name of ['tiphys-server', 'tiphys-metrics']) {
    const spec = (o: Obj | undefined) => ({ ...o?.spec, type: undefined });
    assert.deepEqual(spec(find(fromChart, 'Service', name)), spec(find(fromKustomize, 'Service', name)));
  }
  const crds = (objects: Obj[]) =>
    new Map(
      objects
        .filter((o) => o.kind === 'CustomResourceDefinition')
        .map((o) => [o.metadata.name, canonical(o.spec)]),
    );
  const chartCrds = crds(fromChart);
  assert.deepEqual([...chartCrds.keys()].sort(), [...crds(fromKustomize).keys()].sort());
  for (const [name, spec] of crds(fromKustomize))
    assert.ok(chartCrds.get(name) === spec, `CRD ${name} differs`);
  assert.equal(
    find(fromChart, 'Deployment', 'tiphys-server')?.spec.template.spec.containers[0].image,
    'tiphys:0.1.0',
  );
});

test('controller.sharding: the replicas split the clusters, each named by its Pod in its Lease', async () => {
  const envOf = async (...sets: string[]) =>
    new Map(
      find(
        await template(...sets),
        'Deployment',
        'tiphys-controller',
      )?.spec.template.spec.containers[0].env.map((e: { name: string }) => [e.name, e]),
    );
  const sharded = await envOf('controller.sharding=true', 'controller.replicas=3');
  assert.deepEqual(sharded.get('TIPHYS_SHARDING'), { name: 'TIPHYS_SHARDING', value: 'true' });
  assert.deepEqual(sharded.get('TIPHYS_IDENTITY'), {
    name: 'TIPHYS_IDENTITY',
    valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
  });
  const plain = await envOf();
  assert.equal(plain.has('TIPHYS_SHARDING') || plain.has('TIPHYS_IDENTITY'), false, 'off by default');
});

test('values: image, replicas, resources, NodePort, ingress with TLS, OIDC, RBAC policy, server TLS', async () => {
  const objects = await template(
    'image.repository=registry.example/tiphys',
    'image.tag=1.2.3',
    'controller.replicas=2',
    'server.resources.requests.memory=256Mi',
    'server.service.type=NodePort',
    'server.service.nodePort=30080',
    'ingress.enabled=true',
    'ingress.host=cd.example.org',
    'ingress.tls.enabled=true',
    'ingress.tls.secretName=cd-tls',
    'oidc.issuer=https://login.example.org',
    'oidc.clientId=tiphys',
    'oidc.redirectUrl=https://cd.example.org/auth/callback',
    'oidc.clientSecret.existingSecret=tiphys-oidc',
    'rbac.policy=g\\, ops\\, role:admin',
    'rbac.defaultRole=role:readonly',
    'tls.enabled=true',
    'tls.secretName=server-tls',
  );
  const server = find(objects, 'Deployment', 'tiphys-server')?.spec.template.spec;
  const container = server.containers[0];
  assert.equal(container.image, 'registry.example/tiphys:1.2.3');
  assert.equal(find(objects, 'Deployment', 'tiphys-controller')?.spec.replicas, 2);
  assert.equal(container.resources.requests.memory, '256Mi');
  assert.deepEqual(container.args.slice(-4), [
    '--tls-cert',
    '/etc/tiphys/tls/tls.crt',
    '--tls-key',
    '/etc/tiphys/tls/tls.key',
  ]);
  assert.equal(container.readinessProbe.httpGet.scheme, 'HTTPS');
  assert.deepEqual(
    server.volumes.find((v: { name: string }) => v.name === 'tls'),
    { name: 'tls', secret: { secretName: 'server-tls' } },
  );
  const env = Object.fromEntries(container.env.map((e: { name: string }) => [e.name, e]));
  assert.equal(env.TIPHYS_OIDC_ISSUER.value, 'https://login.example.org');
  assert.deepEqual(env.TIPHYS_OIDC_CLIENT_SECRET.valueFrom, {
    secretKeyRef: { name: 'tiphys-oidc', key: 'clientSecret' },
  });
  const service = find(objects, 'Service', 'tiphys-server');
  assert.equal(service?.spec.type, 'NodePort');
  assert.equal(service?.spec.ports[0].nodePort, 30080);
  const ingress = find(objects, 'Ingress', 'tiphys-server');
  assert.equal(ingress?.spec.rules[0].host, 'cd.example.org');
  assert.deepEqual(ingress?.spec.tls, [{ hosts: ['cd.example.org'], secretName: 'cd-tls' }]);
  const rbac = find(objects, 'ConfigMap', 'tiphys-rbac');
  assert.equal(rbac?.data['policy.csv'].trim(), 'g, ops, role:admin');
  assert.equal(rbac?.data['policy.default'], 'role:readonly');
});

test('rbac.mode=namespaced: no cluster-wide right, a RoleBinding and a watch per managed namespace', async () => {
  const objects = await template('rbac.mode=namespaced', 'rbac.deployNamespaces={team-a,team-b}');
  assert.deepEqual(
    objects.filter((o) => o.kind === 'ClusterRoleBinding'),
    [],
  );
  assert.deepEqual(
    objects.filter((o) => o.kind === 'ClusterRole').map((o) => o.metadata.name),
    ['tiphys-tiphys-deploy'],
  );
  const bound = objects.filter((o) => o.kind === 'RoleBinding').map((o) => o.metadata.namespace);
  assert.deepEqual(bound, ['tiphys', 'team-a', 'team-b']);
  for (const name of ['tiphys-controller', 'tiphys-server']) {
    const env = find(objects, 'Deployment', name)?.spec.template.spec.containers[0].env;
    const managed = env.find((e: { name: string }) => e.name === 'TIPHYS_MANAGED_NAMESPACES');
    assert.equal(managed?.value, 'tiphys,team-a,team-b', name);
  }
});

test('bad values are refused with what to fix', async () => {
  for (const [sets, message] of [
    [['rbac.mode=everything'], /rbac\.mode is "everything"; it must be cluster or namespaced/],
    [['tls.enabled=true'], /tls\.enabled needs tls\.secretName/],
    [['oidc.issuer=https://login.example.org'], /oidc needs issuer, clientId and redirectUrl together/],
    [['ingress.enabled=true', 'ingress.tls.enabled=true'], /ingress\.tls\.secretName is needed/],
  ] as const) {
    await assert.rejects(template(...sets), message);
  }
});

/** JSON with keys in order: kustomize sorts them, Helm keeps the file's order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
