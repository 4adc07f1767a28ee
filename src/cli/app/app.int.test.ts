// `tiphys app …` against a real API server with Tiphys installed and no controller running: the
// test plays the controller's part by writing status itself.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { startCluster, type TestCluster } from '../../../testbed/src/cluster.ts';
import { type GitServer, startGitServer } from '../../../testbed/src/git-server.ts';
import { installTiphys } from '../../adapters/kube/install.ts';
import type { KubeRest } from '../../adapters/kube/rest.ts';
import type { Application } from '../../core/model/application.ts';
import { MERGE_PATCH, tiphysPath } from '../kube-context.ts';
import { type CliResult, runTiphys, runTiphysProcess, testRest } from './cli-testkit.ts';

const REPO = 'https://git.example.com/config.git';
const SHA1 = '1111111111111111111111111111111111111111';
const SHA2 = '2222222222222222222222222222222222222222';

describe('tiphys app', () => {
  let cluster: TestCluster;
  let rest: KubeRest;
  const tiphys = (...args: string[]): Promise<CliResult> => runTiphys(cluster.kubeconfigPath, args);
  const read = (name: string) => rest.request<Application>('GET', tiphysPath('tiphys', 'applications', name));
  const patch = (name: string, body: unknown, subresource?: string) =>
    rest.request<Application>('PATCH', tiphysPath('tiphys', 'applications', name, subresource), {
      body,
      contentType: MERGE_PATCH,
    });

  before(async () => {
    cluster = await startCluster({ name: 'cli' });
    await installTiphys({ kubeconfigPath: cluster.kubeconfigPath });
    rest = testRest(cluster.kubeconfigPath);
  });
  after(async () => {
    rest?.close();
    await cluster?.stop();
  });

  test('create writes the spec the flags describe', async () => {
    const created = await tiphys(
      ...['app', 'create', 'web', '--repo', REPO, '--path', 'apps/web', '--dest-namespace', 'web'],
      ...[
        '--sync-policy',
        'automated',
        '--self-heal',
        '--helm-set',
        'image.tag=1.0',
        '--sync-option',
        'CreateNamespace=true',
      ],
    );
    assert.deepEqual(created, { code: 0, stdout: 'application "web" created\n', stderr: '' });
    const app = await read('web');
    assert.deepEqual(app.spec, {
      source: {
        repoURL: REPO,
        path: 'apps/web',
        helm: { parameters: [{ name: 'image.tag', value: '1.0' }] },
      },
      destination: { cluster: 'in-cluster', namespace: 'web' },
      syncPolicy: { automated: { selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
    });
  });

  test('create refuses an existing name unless --upsert', async () => {
    const args = ['app', 'create', 'web', '--repo', REPO, '--path', 'apps/web', '--dest-namespace', 'web'];
    const again = await tiphys(...args);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^error: application "web" already exists in namespace tiphys; pass --upsert/);
    const upsert = await tiphys(...args, '--revision', 'v2', '--sync-policy', 'automated', '--upsert');
    assert.equal(upsert.code, 0, upsert.stderr);
    assert.equal((await read('web')).spec.source?.targetRevision, 'v2');
  });

  test('create prints every validation problem and creates nothing', async () => {
    const result = await tiphys(
      ...['app', 'create', 'bad', '--repo', REPO, '--path', 'p', '--dest-namespace', 'n'],
      ...['--helm-set', 'a=b', '--name-prefix', 'x-', '--depends-on', 'bad'],
    );
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /invalid application "bad":\n {2}spec\.source: set at most one of directory, kustomize, helm\n {2}spec\.dependsOn: an Application cannot depend on itself/,
    );
    assert.equal((await tiphys('app', 'get', 'bad')).code, 1);
  });

  test('list shows Applications as a table, JSON and YAML, filtered by project and labels', async () => {
    const db = await tiphys(
      'app',
      'create',
      'db',
      '--repo',
      REPO,
      '--path',
      'apps/db',
      '--dest-namespace',
      'db',
      '--project',
      'data',
    );
    assert.equal(db.code, 0, db.stderr);
    await patch('db', { metadata: { labels: { tier: 'data' } } });
    const table = await tiphys('app', 'list');
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^NAME +CLUSTER +NAMESPACE +PROJECT +SYNC +HEALTH +REVISION +CONDITIONS$/);
    assert.match(lines[1], /^db +in-cluster +db +data +Unknown +Unknown +0$/);
    assert.match(lines[2], /^web +in-cluster +web +default +Unknown +Unknown +0$/);
    assert.match((await tiphys('app', 'list', '-o', 'wide')).stdout, /TARGET\n.*apps\/db +HEAD\n/);
    const json = JSON.parse((await tiphys('app', 'list', '-o', 'json')).stdout) as Application[];
    assert.deepEqual(
      json.map((a) => a.metadata.name),
      ['db', 'web'],
    );
    assert.equal((json[0].metadata as Record<string, unknown>).managedFields, undefined);
    const yaml = parse((await tiphys('app', 'list', '-o', 'yaml', '-p', 'default')).stdout) as Application[];
    assert.deepEqual(
      yaml.map((a) => a.metadata.name),
      ['web'],
    );
    assert.match((await tiphys('app', 'list', '-l', 'tier=data')).stdout, /^db /m);
    assert.doesNotMatch((await tiphys('app', 'list', '-l', 'tier=data')).stdout, /^web /m);
  });

  test('get shows one Application; a missing one is a one-line error', async () => {
    const got = await tiphys('app', 'get', 'web');
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, /^Name: +web$/m);
    assert.match(got.stdout, /^Target: +v2$/m);
    assert.match(got.stdout, /^Sync policy: +Automated$/m);
    assert.match(got.stdout, /No resources\.\n$/);
    assert.equal(
      (parse((await tiphys('app', 'get', 'web', '-o', 'yaml')).stdout) as Application).spec.source?.repoURL,
      REPO,
    );
    assert.deepEqual(await tiphys('app', 'get', 'missing'), {
      code: 1,
      stdout: '',
      stderr: 'error: application "missing" not found in namespace tiphys\n',
    });
  });

  test('set merges the flags into the spec', async () => {
    const set = await tiphys(
      'app',
      'set',
      'web',
      '--revision',
      'v3',
      '--helm-set',
      'replicas=2',
      '--auto-prune',
    );
    assert.deepEqual(set, { code: 0, stdout: 'application "web" updated\n', stderr: '' });
    const app = await read('web');
    assert.equal(app.spec.source?.targetRevision, 'v3');
    assert.deepEqual(app.spec.source?.helm?.parameters, [{ name: 'replicas', value: '2' }]);
    assert.deepEqual(app.spec.syncPolicy?.automated, { prune: true });
    const invalid = await tiphys('app', 'set', 'web', '--name-prefix', 'x-');
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /set at most one of directory, kustomize, helm/);
  });

  test('history lists the deployments; rollback syncs one and turns automation off at once', async () => {
    await patch(
      'web',
      {
        status: {
          history: [
            { id: 0, revision: SHA1, deployedAt: '2025-01-01T00:00:00Z', initiatedBy: { automated: true } },
            { id: 1, revision: SHA2, deployedAt: '2025-01-02T00:00:00Z', initiatedBy: { username: 'cli' } },
          ],
        },
      },
      'status',
    );
    const history = await tiphys('app', 'history', 'web');
    assert.match(history.stdout, /^0 +2025-01-01T00:00:00Z +1{40} +automated$/m);
    assert.match(history.stdout, /^1 +2025-01-02T00:00:00Z +2{40} +cli$/m);

    const rollback = await tiphys('app', 'rollback', 'web', '0');
    assert.equal(rollback.code, 0, rollback.stderr);
    assert.match(rollback.stdout, /rollback of application "web" to history 0 \(1111111\) requested/);
    assert.match(rollback.stderr, /automated sync of "web" is now off/);
    const app = await read('web');
    assert.deepEqual(app.operation, { sync: { revision: SHA1 }, initiatedBy: { username: 'cli' } });
    assert.equal(app.spec.syncPolicy?.automated, undefined);

    const twice = await tiphys('app', 'rollback', 'web', '1');
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /another operation is already in progress/);
    assert.match(
      (await tiphys('app', 'rollback', 'db', '5')).stderr,
      /has no history entry 5 \(no history yet\)/,
    );
  });

  test('sync --async writes the operation and returns', async () => {
    const sync = await tiphys(
      'app',
      'sync',
      'db',
      '--async',
      '--prune',
      '--resource',
      'apps:Deployment:db/api',
    );
    assert.equal(sync.code, 0, sync.stderr);
    assert.match(sync.stdout, /sync of application "db" requested/);
    assert.deepEqual((await read('db')).operation, {
      sync: { prune: true, resources: [{ group: 'apps', kind: 'Deployment', namespace: 'db', name: 'api' }] },
      initiatedBy: { username: 'cli' },
    });
  });

  test('sync waits for the result the controller records and exits 1 when it failed', async () => {
    await patch('web', { operation: null });
    const running = tiphys('app', 'sync', 'web', '--timeout', '60');
    await playController('web', 'Failed');
    const result = await running;
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^Phase: +Failed$/m);
    assert.match(result.stdout, /^ +ConfigMap +web +cfg +SyncFailed +field is immutable$/m);
    assert.match(result.stderr, /the operation on application "web" ended Failed/);

    const again = tiphys('app', 'sync', 'web', '--timeout', '60', '-o', 'json');
    await playController('web', 'Succeeded');
    const ok = await again;
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).phase, 'Succeeded');
  });

  /** What the controller does with a requested operation: record a state, then remove it. */
  async function playController(name: string, phase: 'Succeeded' | 'Failed'): Promise<void> {
    let app = await read(name);
    for (let i = 0; !app.operation && i < 100; i++) {
      await sleep(100);
      app = await read(name);
    }
    assert.ok(app.operation, 'the CLI wrote no operation');
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await patch(
      name,
      {
        status: {
          operationState: {
            operation: app.operation,
            phase,
            message: phase === 'Failed' ? 'one or more objects failed to apply' : 'successfully synced',
            startedAt: now,
            finishedAt: now,
            syncResult: {
              revision: SHA2,
              resources: [
                {
                  kind: 'ConfigMap',
                  namespace: 'web',
                  name: 'cfg',
                  status: phase === 'Failed' ? 'SyncFailed' : 'Synced',
                  message: phase === 'Failed' ? 'field is immutable' : 'configured',
                },
              ],
            },
          },
        },
      },
      'status',
    );
    await patch(name, { operation: null });
  }

  test('wait times out with what it still waits for, and succeeds once the status says so', async () => {
    const timedOut = await tiphys('app', 'wait', 'db', '--timeout', '1');
    assert.equal(timedOut.code, 4);
    assert.match(timedOut.stderr, /^\d\d:\d\d:\d\d application "db": sync status is Unknown/);
    assert.match(
      timedOut.stderr,
      /timed out after 1 s waiting for application "db": sync status is Unknown \(want Synced\); health is Unknown \(want Healthy\)/,
    );
    const operation = await tiphys('app', 'wait', 'db', '--operation', '--timeout', '1');
    assert.match(operation.stderr, /an operation is requested and not finished/);

    let settled = false;
    let reported: () => void = () => {};
    const firstReport = new Promise<void>((resolve) => {
      reported = resolve;
    });
    const waiting = runTiphys(cluster.kubeconfigPath, ['app', 'wait', 'db', '--timeout', '60'], {
      onStderr: (line) => {
        if (/sync status is Unknown/.test(line)) reported();
      },
    }).finally(() => {
      settled = true;
    });
    // The wait has read the unsatisfied status and said so before the status changes; it must
    // still be waiting (the timed-out case above shows it does not give up early either).
    await Promise.race([firstReport, waiting]);
    assert.equal((await read('db')).status?.sync?.status === 'Synced', false);
    assert.equal(settled, false, 'wait returned before the status said Synced');
    await patch(
      'db',
      { status: { sync: { status: 'Synced', revision: SHA1 }, health: { status: 'Healthy' } } },
      'status',
    );
    const done = await waiting;
    assert.deepEqual([done.code, done.stdout], [0, 'application "db": Synced, Healthy\n']);
    assert.match(done.stderr, /application "db": sync status is Unknown \(want Synced\)/);

    // A Degraded app ends the wait at once with exit 3, so a pipeline can tell it from a timeout.
    await patch('db', { status: { health: { status: 'Degraded', message: 'CrashLoopBackOff' } } }, 'status');
    const degraded = await tiphys('app', 'wait', 'db', '--health', '--timeout', '60');
    assert.equal(degraded.code, 3);
    assert.match(degraded.stderr, /error: application "db" is Degraded: CrashLoopBackOff/);
  });

  test('refresh sets the refresh annotation', async () => {
    const before = Date.now() - 1000;
    assert.equal((await tiphys('app', 'refresh', 'db')).code, 0);
    const stamp = (await read('db')).metadata.annotations?.['tiphys.dev/refresh'];
    assert.ok(stamp && Date.parse(stamp) >= before, `annotation ${stamp}`);
  });

  test('delete without cascade removes the Application at once and no finalizer holds it', async () => {
    const deleted = await tiphys('app', 'delete', 'web', '--cascade=false');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /its resources are left in the cluster/);
    assert.equal((await tiphys('app', 'get', 'web')).code, 1);
  });

  test('delete with cascade leaves the finalizer for the controller; --cascade=false --wait then lets it go', async () => {
    const deleted = await tiphys('app', 'delete', 'db');
    assert.equal(deleted.code, 0, deleted.stderr);
    const held = (await read('db')).metadata as Application['metadata'] & { deletionTimestamp?: string };
    assert.deepEqual(held.finalizers, ['resources-finalizer.tiphys.dev']);
    assert.ok(held.deletionTimestamp, 'the Application is being deleted');
    const released = await tiphys('app', 'delete', 'db', '--cascade=false', '--wait', '--timeout', '30');
    assert.equal(released.code, 0, released.stderr);
    assert.match(released.stdout, /application "db" is gone/);
  });

  describe('diff', () => {
    let git: GitServer;
    before(async () => {
      git = await startGitServer();
      await git.createRepo('config');
      await git.commitFiles(
        'config',
        {
          'cm/config.yaml':
            'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: greeting\ndata:\n  hello: world\n',
        },
        'add a ConfigMap',
      );
    });
    after(async () => git?.close());

    // As a separate process: it also shows that the diff machinery lets the command exit.
    test('diff shows what a sync would create and exits 1', async () => {
      const create = await tiphys(
        'app',
        'create',
        'greet',
        '--repo',
        git.repoUrl('config'),
        '--path',
        'cm',
        '--dest-namespace',
        'default',
      );
      assert.equal(create.code, 0, create.stderr);
      const diff = await runTiphysProcess(cluster.kubeconfigPath, ['app', 'diff', 'greet']);
      assert.equal(diff.code, 1, diff.stderr);
      assert.match(diff.stdout, /^===== .*ConfigMap.*greeting.* \(OutOfSync\) =====$/m);
      assert.match(diff.stdout, /hello: world/);
      assert.equal(diff.stderr, '');
    });

    test('diff --revision previews a branch: its changes, Secrets masked, the app untouched', async () => {
      await git.createBranch('config', 'feature', 'main');
      await git.commitFiles(
        'config',
        {
          'cm/config.yaml':
            'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: greeting\ndata:\n  hello: branch\n',
          'cm/secret.yaml':
            'apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\nstringData:\n  password: hunter2-in-review\n',
        },
        'change the greeting, add a Secret',
        { branch: 'feature' },
      );
      const before = await read('greet');
      const preview = await tiphys('app', 'diff', 'greet', '--revision', 'feature');
      assert.equal(preview.code, 1, preview.stderr);
      assert.match(preview.stdout, /^===== .*Secret.*token.* \(OutOfSync\) =====$/m);
      assert.match(preview.stdout, /hello: branch/);
      assert.doesNotMatch(preview.stdout, /hunter2/, 'the Secret value is masked');
      const after = await read('greet');
      assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion, 'the app is untouched');

      const asJson = await tiphys('app', 'diff', 'greet', '--revision', 'feature', '-o', 'json');
      assert.equal(JSON.parse(asJson.stdout).revision, await git.headCommit('config', 'feature'));
    });

    test('diff --revision refuses a branch that does not exist, or an option in disguise', async () => {
      const missing = await tiphys('app', 'diff', 'greet', '--revision', 'no-such-branch');
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /no-such-branch/);
      assert.equal(missing.stdout, '');
      const option = await tiphys('app', 'diff', 'greet', '--revision=--upload-pack=touch /tmp/x');
      assert.equal(option.code, 1);
      assert.match(option.stderr, /starts with '-'/);
    });
  });
});
