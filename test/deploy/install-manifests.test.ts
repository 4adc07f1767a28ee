// deploy/install and its overlays against a real API server (testbed, kwok nodes): what they
// declare, that the API server accepts them, and that the namespaced overlay really withholds
// rights, asked of the API server's own authorizer as the service accounts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../../scripts/deploy/generated.ts';
import { tiphysCrds } from '../../src/core/model/crd.ts';
import { ensureTestbedBinaries } from '../../testbed/src/binaries.ts';
import { startCluster, type TestCluster } from '../../testbed/src/cluster.ts';

interface Obj {
  kind: string;
  metadata: { name: string; namespace?: string };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are inspected field by field
  spec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  rules?: any[];
  // biome-ignore lint/suspicious/noExplicitAny: as above
  subjects?: any[];
  roleRef?: { kind: string; name: string };
}

function run(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${command} ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout),
    );
  });
}

async function build(dir: string): Promise<Obj[]> {
  const { kustomize } = await ensureTestbedBinaries();
  const text = await run(kustomize, ['build', join(repoRoot, dir)]);
  return parseAllDocuments(text).map((doc) => doc.toJSON() as Obj);
}

const find = (objects: Obj[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);

describe('deploy/install as built by kustomize', () => {
  let objects: Obj[];
  before(async () => {
    objects = await build('deploy/install');
  });

  test('a controller and an API server listening on all addresses, with probes, requests and a read-only root', () => {
    for (const [name, command, port] of [
      ['tiphys-controller', 'controller', 8081],
      ['tiphys-server', 'server', 8080],
    ] as const) {
      const deployment = find(objects, 'Deployment', name);
      assert.ok(deployment, `${name} missing`);
      const pod = deployment.spec.template.spec;
      const [container] = pod.containers;
      assert.deepEqual(container.args, [command, '--address', '0.0.0.0', '--port', String(port)]);
      assert.equal(container.image, 'tiphys:0.1.0');
      assert.deepEqual(container.ports, [{ name: 'http', containerPort: port }]);
      for (const probe of [container.livenessProbe, container.readinessProbe]) {
        assert.deepEqual(probe.httpGet, { path: '/healthz', port: 'http' });
      }
      assert.ok(container.resources.requests.cpu && container.resources.requests.memory);
      assert.equal(container.securityContext.readOnlyRootFilesystem, true);
      assert.equal(container.securityContext.allowPrivilegeEscalation, false);
      assert.equal(pod.securityContext.runAsNonRoot, true);
      const mounts = container.volumeMounts.map((m: { mountPath: string }) => m.mountPath).sort();
      assert.deepEqual(mounts, ['/home/tiphys', '/tmp', '/var/cache/tiphys']);
      assert.equal(pod.serviceAccountName, name);
    }
    // A rollout must never wait for the old controller to stop leading (see controller.yaml).
    const controller = find(objects, 'Deployment', 'tiphys-controller');
    assert.deepEqual(controller?.spec.strategy.rollingUpdate, { maxSurge: 1, maxUnavailable: 0 });
  });

  test('Services for the API server and for the controller metrics; no default AppProject to race its CRD', () => {
    const server = find(objects, 'Service', 'tiphys-server');
    assert.deepEqual(server?.spec.selector, { 'app.kubernetes.io/name': 'tiphys-server' });
    assert.equal(server?.spec.ports[0].targetPort, 'http');
    const metrics = find(objects, 'Service', 'tiphys-metrics');
    assert.deepEqual(metrics?.spec.selector, { 'app.kubernetes.io/name': 'tiphys-controller' });
    // Every CRD the model defines is installed, and nothing else.
    assert.deepEqual(
      objects
        .filter((o) => o.kind === 'CustomResourceDefinition')
        .map((o) => o.metadata.name)
        .sort(),
      tiphysCrds()
        .map((crd) => crd.metadata.name)
        .sort(),
    );
    assert.equal(
      objects.find((o) => o.kind === 'AppProject'),
      undefined,
    );
  });

  test('the HA overlay runs two of each', async () => {
    const ha = await build('deploy/overlays/ha');
    assert.equal(find(ha, 'Deployment', 'tiphys-controller')?.spec.replicas, 2);
    assert.equal(find(ha, 'Deployment', 'tiphys-server')?.spec.replicas, 2);
  });

  test('the sharded overlay runs three controllers that split the clusters, each named by its Pod in its Lease, with the rights to the Leases', async () => {
    const sharded = await build('deploy/overlays/sharded');
    const controller = find(sharded, 'Deployment', 'tiphys-controller');
    assert.equal(controller?.spec.replicas, 3);
    assert.equal(find(sharded, 'Deployment', 'tiphys-server')?.spec.replicas, 2);
    const pod = controller?.spec.template.spec;
    const env = new Map(pod.containers[0].env.map((e: { name: string }) => [e.name, e]));
    assert.deepEqual(env.get('TIPHYS_SHARDING'), { name: 'TIPHYS_SHARDING', value: 'true' });
    assert.deepEqual(env.get('TIPHYS_IDENTITY'), {
      name: 'TIPHYS_IDENTITY',
      valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
    });
    assert.ok(env.has('TIPHYS_NAMESPACE'), 'the base env is kept');
    assert.ok(pod.affinity?.podAntiAffinity, 'spread over nodes, as the HA overlay');
    // Each replica creates, renews (server-side apply), lists and deletes Leases in its namespace.
    const bindings = sharded.filter(
      (o) =>
        (o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding') &&
        o.subjects?.some((s) => s.kind === 'ServiceAccount' && s.name === 'tiphys-controller'),
    );
    const rules = bindings.flatMap(
      (b) => find(sharded, b.roleRef?.kind ?? '', b.roleRef?.name ?? '')?.rules ?? [],
    );
    for (const verb of ['get', 'list', 'create', 'patch', 'delete']) {
      const granted = rules.some(
        (r) =>
          ['*', 'coordination.k8s.io'].some((g) => r.apiGroups?.includes(g)) &&
          ['*', 'leases'].some((res) => r.resources?.includes(res)) &&
          ['*', verb].some((v) => r.verbs?.includes(v)),
      );
      assert.ok(granted, `the controller may ${verb} Leases`);
    }
  });
});

describe('on a cluster', () => {
  let cluster: TestCluster;
  let kubectl: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    ({ kubectl } = await ensureTestbedBinaries());
    cluster = await startCluster({ name: 'deploy-manifests' });
    env = { ...process.env, KUBECONFIG: cluster.kubeconfigPath };
  });
  after(() => cluster?.stop());

  test('the API server accepts deploy/install.yaml and the overlays (server-side dry run)', async () => {
    // The CRDs and the namespace first, for real: a dry run makes neither known to the rest.
    await run(kubectl, ['apply', '--server-side', '-k', join(repoRoot, 'deploy/crds')], env);
    await run(
      kubectl,
      ['apply', '--server-side', '-f', join(repoRoot, 'deploy/install/namespace.yaml')],
      env,
    );
    for (const args of [
      ['-f', join(repoRoot, 'deploy/install.yaml')],
      ['-k', join(repoRoot, 'deploy/overlays/ha')],
      ['-k', join(repoRoot, 'deploy/overlays/sharded')],
      ['-k', join(repoRoot, 'deploy/overlays/namespaced')],
    ]) {
      const out = await run(kubectl, ['apply', '--server-side', '--dry-run=server', ...args], env);
      assert.match(out, /deployment\.apps\/tiphys-controller serverside-applied \(server dry run\)/);
      assert.match(out, /deployment\.apps\/tiphys-server serverside-applied \(server dry run\)/);
      assert.match(out, /service\/tiphys-server serverside-applied/);
    }
  });

  test('namespaced mode: the service accounts act only in the namespaces bound to them', async () => {
    const overlay = (await build('deploy/overlays/namespaced')).filter(
      (o) => o.kind === 'ClusterRoleBinding',
    );
    assert.deepEqual(overlay, []);
    await run(kubectl, ['apply', '--server-side', '-k', join(repoRoot, 'deploy/overlays/namespaced')], env);
    await run(kubectl, ['create', 'namespace', 'team-a'], env);
    const canI = async (account: string, args: string[]) => {
      const out = await run(
        kubectl,
        ['auth', 'can-i', '--as', `system:serviceaccount:tiphys:${account}`, ...args],
        env,
      ).catch((error: Error) => error.message);
      return /^yes\b/m.test(out);
    };
    for (const account of ['tiphys-controller', 'tiphys-server']) {
      assert.equal(await canI(account, ['create', 'deployments', '-n', 'tiphys']), true);
      assert.equal(await canI(account, ['update', 'leases.coordination.k8s.io', '-n', 'tiphys']), true);
      assert.equal(await canI(account, ['get', 'secrets', '-n', 'tiphys']), true);
      // As an attacker holding its token would try: other namespaces, cluster-wide reads,
      // cluster-scoped writes, escalation.
      assert.equal(await canI(account, ['list', 'deployments', '-n', 'team-a']), false);
      assert.equal(await canI(account, ['create', 'deployments', '-n', 'team-a']), false);
      assert.equal(await canI(account, ['list', 'secrets', '--all-namespaces']), false);
      assert.equal(await canI(account, ['get', 'secrets', '-n', 'kube-system']), false);
      assert.equal(await canI(account, ['create', 'clusterrolebindings']), false);
      assert.equal(await canI(account, ['create', 'namespaces']), false);
      assert.equal(await canI(account, ['impersonate', 'users']), false);
    }
    // The documented way to grant a namespace works, for that namespace only.
    await run(
      kubectl,
      ['create', 'rolebinding', 'tiphys-deploy', '-n', 'team-a', '--clusterrole=tiphys-deploy'].concat([
        '--serviceaccount=tiphys:tiphys-controller',
        '--serviceaccount=tiphys:tiphys-server',
      ]),
      env,
    );
    assert.equal(await canI('tiphys-controller', ['create', 'deployments', '-n', 'team-a']), true);
    assert.equal(await canI('tiphys-controller', ['list', 'deployments', '-n', 'default']), false);
  });
});
