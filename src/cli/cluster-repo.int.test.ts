// `tiphys cluster …` and `tiphys repo …` against a real API server with Tiphys installed. The
// testbed cluster registers itself as a destination, with its own server, token and CA.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startCluster, type TestCluster } from '../../testbed/src/cluster.ts';
import { installTiphys } from '../adapters/kube/install.ts';
import type { KubeRest } from '../adapters/kube/rest.ts';
import type { Cluster } from '../core/model/cluster.ts';
import { type CliResult, runTiphys, runTiphysProcess, testRest } from './app/cli-testkit.ts';
import { secretPath, tiphysPath } from './kube-context.ts';

interface Secret {
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
}

const PASSWORD = 's3cr3t-pa55word';

describe('tiphys cluster and repo', () => {
  let cluster: TestCluster;
  let rest: KubeRest;
  let dir: string;
  const tiphys = (...args: string[]): Promise<CliResult> => runTiphys(cluster.kubeconfigPath, args);
  const secret = (name: string) => rest.request<Secret>('GET', secretPath('tiphys', name));
  const status = (path: string) =>
    rest.request('GET', path).then(
      () => 200,
      (error: { status: number }) => error.status,
    );
  const decode = (text = '') => Buffer.from(text, 'base64').toString('utf8');

  /** Everything the list commands print, in every format, for "never shows X" checks. */
  async function allListings(group: 'cluster' | 'repo'): Promise<string> {
    const results = [
      await tiphys(group, 'list'),
      await tiphys(group, 'list', '-o', 'wide'),
      await tiphys(group, 'list', '-o', 'json'),
      await tiphys(group, 'list', '-o', 'yaml'),
    ];
    for (const result of results) assert.equal(result.code, 0, result.stderr);
    return results.map((r) => r.stdout + r.stderr).join('\n');
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tiphys-cli-int-'));
    cluster = await startCluster({ name: 'cli' });
    await installTiphys({ kubeconfigPath: cluster.kubeconfigPath });
    rest = testRest(cluster.kubeconfigPath);
    writeFileSync(join(dir, 'ca.pem'), cluster.ca);
  });
  after(async () => {
    rest?.close();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('cluster add checks the cluster answers, then stores a Secret and the Cluster', async () => {
    const added = await tiphys(
      ...['cluster', 'add', 'self', '--server', cluster.server, '--token', cluster.token],
      ...['--ca-file', join(dir, 'ca.pem'), '--label', 'env=test'],
    );
    assert.equal(added.code, 0, added.stderr);
    assert.match(
      added.stdout,
      /^cluster "self" added \(https:\/\/127\.0\.0\.1:\d+, Kubernetes v1\.\d+\.\d+\)$/m,
    );
    const stored = await secret('cluster-self');
    assert.equal(stored.metadata.labels?.['tiphys.dev/secret-type'], 'cluster');
    assert.equal(decode(stored.data?.bearerToken), cluster.token);
    assert.equal(decode(stored.data?.caData), cluster.ca);
    const resource = await rest.request<Cluster>('GET', tiphysPath('tiphys', 'clusters', 'self'));
    assert.deepEqual(resource.spec, { server: cluster.server, credentialsSecret: { name: 'cluster-self' } });
    assert.deepEqual(resource.metadata.labels, { env: 'test' });
  });

  test('cluster list shows it in every format, and never the token', async () => {
    const table = await tiphys('cluster', 'list');
    assert.match(table.stdout, /^NAME +SERVER +CONNECTION +HEALTH +RECOVERY +VERSION +LABELS$/m);
    assert.match(table.stdout, new RegExp(`^self +${cluster.server} +Unknown +env=test$`, 'm'));
    const json = JSON.parse((await tiphys('cluster', 'list', '-o', 'json')).stdout) as Cluster[];
    assert.deepEqual(
      json.map((c) => c.metadata.name),
      ['self'],
    );
    const everything = await allListings('cluster');
    assert.ok(!everything.includes(cluster.token), 'the token is shown');
    assert.ok(
      !everything.includes(Buffer.from(cluster.token).toString('base64')),
      'the encoded token is shown',
    );
    const spawned = await runTiphysProcess(cluster.kubeconfigPath, ['cluster', 'list', '-o', 'yaml']);
    assert.equal(spawned.code, 0, spawned.stderr);
    assert.match(spawned.stdout, /name: self/);
  });

  test('cluster add refuses a registered name unless --upsert, and bad credentials unless --skip-check', async () => {
    const again = await tiphys(
      'cluster',
      'add',
      'self',
      '--server',
      cluster.server,
      '--token',
      cluster.token,
    );
    assert.equal(again.code, 1);
    assert.match(again.stderr, /cluster "self" already exists in namespace tiphys; pass --upsert/);
    const upsert = await tiphys(
      ...['cluster', 'add', 'self', '--server', cluster.server, '--token', cluster.token],
      ...['--ca-file', join(dir, 'ca.pem'), '--upsert'],
    );
    assert.equal(upsert.code, 0, upsert.stderr);
    assert.match(upsert.stdout, /cluster "self" updated/);

    const wrongToken = 'wrong-token-123';
    const refused = await tiphys(
      ...['cluster', 'add', 'other', '--server', cluster.server, '--token', wrongToken, '--insecure'],
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /cannot reach cluster "other" at https:.*Unauthorized.*pass --skip-check/);
    assert.ok(!refused.stderr.includes(wrongToken));
    assert.equal(await status(secretPath('tiphys', 'cluster-other')), 404, 'nothing was written');
    const skipped = await tiphys(
      ...[
        'cluster',
        'add',
        'other',
        '--server',
        cluster.server,
        '--token',
        wrongToken,
        '--insecure',
        '--skip-check',
      ],
    );
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.equal(decode((await secret('cluster-other')).data?.insecure), 'true');
    assert.match(
      (await tiphys('cluster', 'add', 'in-cluster', '--server', 'https://x', '--token', 't')).stderr,
      /control cluster itself/,
    );
  });

  test('cluster add takes a kubeconfig file and stores one standing-alone context', async () => {
    const added = await tiphys('cluster', 'add', 'from-file', '--kubeconfig-file', cluster.kubeconfigPath);
    assert.equal(added.code, 0, added.stderr);
    const kubeconfig = decode((await secret('cluster-from-file')).data?.kubeconfig);
    assert.match(kubeconfig, new RegExp(`server: ${cluster.server}`));
    assert.match(kubeconfig, /certificate-authority-data: /);
  });

  test('cluster rm refuses while Applications deploy there, unless --force, and removes both objects', async () => {
    const app = await tiphys(
      ...['app', 'create', 'web', '--repo', 'https://git.example.com/c.git', '--path', '.'],
      ...['--dest-namespace', 'web', '--dest-cluster', 'self'],
    );
    assert.equal(app.code, 0, app.stderr);
    const refused = await tiphys('cluster', 'rm', 'self');
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /cluster "self" is the destination of 1 application\(s\): web; .* or pass --force/,
    );
    const removed = await tiphys('cluster', 'rm', 'self', '--force');
    assert.deepEqual(removed, { code: 0, stdout: 'cluster "self" removed\n', stderr: '' });
    assert.equal(await status(tiphysPath('tiphys', 'clusters', 'self')), 404);
    assert.equal(await status(secretPath('tiphys', 'cluster-self')), 404);
    assert.equal((await tiphys('cluster', 'rm', 'other')).code, 0);
    assert.deepEqual(await tiphys('cluster', 'rm', 'missing'), {
      code: 1,
      stdout: '',
      stderr: 'error: cluster "missing" not found in namespace tiphys\n',
    });
  });

  test('repo add stores the credentials in a labelled Secret', async () => {
    const url = 'https://git.example.com/team/config.git';
    const added = await tiphys(
      'repo',
      'add',
      url,
      '--username',
      'bot',
      '--password',
      PASSWORD,
      '--name',
      'config',
    );
    assert.deepEqual(added, {
      code: 0,
      stdout: `repository ${url} added (secret repo-config)\n`,
      stderr: '',
    });
    const stored = await secret('repo-config');
    assert.equal(stored.metadata.labels?.['tiphys.dev/secret-type'], 'repository');
    assert.equal(decode(stored.data?.url), url);
    assert.equal(decode(stored.data?.username), 'bot');
    assert.equal(decode(stored.data?.password), PASSWORD);

    writeFileSync(
      join(dir, 'id_ed25519'),
      '-----BEGIN OPENSSH PRIVATE KEY-----\nkey\n-----END OPENSSH PRIVATE KEY-----\n',
    );
    const ssh = await tiphys(
      'repo',
      'add',
      'ssh://git@git.example.com/team/app.git',
      '--ssh-private-key-path',
      join(dir, 'id_ed25519'),
    );
    assert.equal(ssh.code, 0, ssh.stderr);
    assert.match(ssh.stdout, /\(secret repo-[0-9a-f]{10}\)/);

    const again = await tiphys(
      'repo',
      'add',
      url,
      '--username',
      'bot',
      '--password',
      'x',
      '--name',
      'config',
    );
    assert.equal(again.code, 1);
    assert.match(again.stderr, /secret "repo-config" already exists .* pass --upsert/);
    const elsewhere = await tiphys('repo', 'add', url);
    assert.match(elsewhere.stderr, /already registered \(secret repo-config\)/);
  });

  test('repo list shows URLs and usernames, never a password or key, in any format', async () => {
    const json = JSON.parse((await tiphys('repo', 'list', '-o', 'json')).stdout);
    assert.deepEqual(json, [
      {
        url: 'https://git.example.com/team/config.git',
        name: 'config',
        username: 'bot',
        credentials: 'password',
        insecure: false,
        secret: 'repo-config',
      },
      {
        url: 'ssh://git@git.example.com/team/app.git',
        name: '',
        username: '',
        credentials: 'ssh-key',
        insecure: false,
        secret: json[1].secret,
      },
    ]);
    const everything = await allListings('repo');
    for (const hidden of [PASSWORD, Buffer.from(PASSWORD).toString('base64'), 'PRIVATE KEY']) {
      assert.ok(!everything.includes(hidden), `repo list shows ${hidden}`);
    }
    assert.match(everything, /^URL +NAME +USERNAME +CREDENTIALS +INSECURE +SECRET$/m);
  });

  test('repo rm deletes the credentials of a URL', async () => {
    const removed = await tiphys('repo', 'rm', 'https://git.example.com/team/config.git');
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(await status(secretPath('tiphys', 'repo-config')), 404);
    const missing = await tiphys('repo', 'rm', 'https://git.example.com/none.git');
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /repository "https:\/\/git\.example\.com\/none\.git" not found in namespace tiphys/,
    );
  });
});
