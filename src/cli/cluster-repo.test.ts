import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { clusterCredentials, formatClusterList } from './cluster.ts';
import { flattenKubeConfig } from './kube-context.ts';
import { formatRepoList, repoSecretData, repoSecretName, repoView } from './repo.ts';

const dir = mkdtempSync(join(tmpdir(), 'tiphys-cli-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('token credentials keep the CA as PEM text and drop a trailing slash', async () => {
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  assert.deepEqual(await clusterCredentials({ server: 'https://10.0.0.1:6443/', token: 't0k', caFile: ca }), {
    server: 'https://10.0.0.1:6443',
    data: { bearerToken: 't0k', caData: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' },
  });
  assert.deepEqual((await clusterCredentials({ server: 'https://h', token: 't', insecure: true })).data, {
    bearerToken: 't',
    insecure: 'true',
  });
});

test('cluster credentials take exactly one of the two forms', async () => {
  await assert.rejects(clusterCredentials({}), /either --kubeconfig-file .* or --server with --token/);
  await assert.rejects(
    clusterCredentials({ kubeconfigFile: 'k', server: 'https://h', token: 't' }),
    /either --kubeconfig-file/,
  );
  await assert.rejects(clusterCredentials({ server: 'https://h' }), /--server needs --token/);
  await assert.rejects(clusterCredentials({ server: 'h', token: 't' }), /http\(s\):\/\/ URL/);
  await assert.rejects(
    clusterCredentials({ server: 'https://h', token: 't', context: 'c' }),
    /--context goes with/,
  );
  await assert.rejects(
    clusterCredentials({ server: 'https://h', token: 't', caFile: join(dir, 'none') }),
    /ENOENT/,
  );
});

test('a kubeconfig context is stored standing alone, with its files read in', async () => {
  writeFileSync(join(dir, 'ca.crt'), 'CA');
  writeFileSync(join(dir, 'token'), 'file-token');
  writeFileSync(
    join(dir, 'config'),
    `apiVersion: v1
kind: Config
current-context: a
clusters:
  - name: a
    cluster: { server: 'https://a.example:6443', certificate-authority-data: QUFB }
  - name: b
    cluster: { server: 'https://b.example:6443', certificate-authority: ca.crt }
users:
  - name: a-admin
    user: { token: a-token }
  - name: b-admin
    user: { token-file: ${join(dir, 'token')} }
contexts:
  - name: a
    context: { cluster: a, user: a-admin }
  - name: b
    context: { cluster: b, user: b-admin, namespace: team }
`,
  );
  const flat = await flattenKubeConfig(join(dir, 'config'), 'b');
  assert.equal(flat.server, 'https://b.example:6443');
  assert.deepEqual(parse(flat.text), {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'b',
    clusters: [
      {
        name: 'b',
        cluster: {
          server: 'https://b.example:6443',
          'certificate-authority-data': Buffer.from('CA').toString('base64'),
        },
      },
    ],
    users: [{ name: 'b-admin', user: { token: 'file-token' } }],
    contexts: [{ name: 'b', context: { cluster: 'b', user: 'b-admin', namespace: 'team' } }],
  });
  assert.equal((await flattenKubeConfig(join(dir, 'config'))).server, 'https://a.example:6443');
  await assert.rejects(flattenKubeConfig(join(dir, 'config'), 'c'), /has no context "c"/);
  await assert.rejects(flattenKubeConfig(join(dir, 'missing')), /cannot read kubeconfig/);
});

test('the cluster list shows connection Unknown until the controller reports, then health and recovery', () => {
  const text = formatClusterList([
    {
      apiVersion: 'tiphys.dev/v1alpha1',
      kind: 'Cluster',
      metadata: { name: 'eu-1', labels: { env: 'prod', region: 'eu' } },
      spec: { server: 'https://eu-1:6443', credentialsSecret: { name: 'cluster-eu-1' } },
    },
    {
      apiVersion: 'tiphys.dev/v1alpha1',
      kind: 'Cluster',
      metadata: { name: 'us-1' },
      spec: { server: 'https://us-1:6443' },
      status: {
        connection: { status: 'Failed' },
        serverVersion: 'v1.36.3',
        health: { phase: 'Lost' },
        recovery: { incident: 't', phase: 'AwaitingApproval', timeline: {} },
      },
    },
  ]);
  assert.equal(
    text,
    [
      'NAME   SERVER              CONNECTION   HEALTH   RECOVERY           VERSION   LABELS',
      'eu-1   https://eu-1:6443   Unknown                                            env=prod,region=eu',
      'us-1   https://us-1:6443   Failed       Lost     AwaitingApproval   v1.36.3',
    ].join('\n'),
  );
});

test('repository Secrets are named by --name or by a hash of the URL', () => {
  assert.equal(repoSecretName('https://git.example.com/a.git', 'config'), 'repo-config');
  const hashed = repoSecretName('https://git.example.com/a.git');
  assert.match(hashed, /^repo-[0-9a-f]{10}$/);
  assert.equal(repoSecretName('https://git.example.com/a.git'), hashed);
  assert.notEqual(repoSecretName('https://git.example.com/b.git'), hashed);
});

test('repository credentials are checked before anything is written', () => {
  const url = 'https://git.example.com/a.git';
  assert.deepEqual(repoSecretData(url, { username: 'u', password: 'p', insecure: true, name: 'a' }), {
    url,
    name: 'a',
    username: 'u',
    password: 'p',
    insecure: 'true',
  });
  assert.throws(() => repoSecretData(url, { username: 'u' }), /username and password go together/);
  assert.throws(() => repoSecretData('https://u:secret@git.example.com/a.git', {}), /not in the URL/);
  assert.throws(() => repoSecretData('--upload-pack=x', {}), /not a repository URL/);
  assert.throws(
    () => repoSecretData(url, { username: 'u', password: 'p', sshPrivateKeyPath: 'k' }),
    /either username\/password or an SSH private key/,
  );
});

test('SSH host keys: a known_hosts file is stored per repository and checked; accept-new only when asked', () => {
  const url = 'git@git.example.com:team/config.git';
  const line =
    'git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
  writeFileSync(join(dir, 'known_hosts'), `# from ssh-keyscan\n${line}\n`);
  assert.deepEqual(repoSecretData(url, { sshKnownHostsPath: join(dir, 'known_hosts') }), {
    url,
    sshKnownHosts: `# from ssh-keyscan\n${line}\n`,
  });
  assert.deepEqual(repoSecretData(url, { sshAcceptNewHostKey: true }), { url, sshAcceptNewHostKey: 'true' });
  writeFileSync(join(dir, 'not-known-hosts'), 'password=hunter2\n');
  assert.throws(
    () => repoSecretData(url, { sshKnownHostsPath: join(dir, 'not-known-hosts') }),
    /sshKnownHosts line 1: not a known_hosts entry/,
  );
  assert.throws(
    () => repoSecretData(url, { sshKnownHostsPath: join(dir, 'none') }),
    /--ssh-known-hosts-path .*ENOENT/,
  );
});

test('a repository view never carries the password or key', () => {
  const encode = (text: string) => Buffer.from(text).toString('base64');
  const view = repoView({
    metadata: { name: 'repo-a' },
    data: {
      url: encode('https://git.example.com/a.git'),
      username: encode('bot'),
      password: encode('hunter2'),
    },
  });
  assert.deepEqual(view, {
    url: 'https://git.example.com/a.git',
    name: '',
    username: 'bot',
    credentials: 'password',
    insecure: false,
    secret: 'repo-a',
  });
  assert.doesNotMatch(JSON.stringify(view) + formatRepoList([view]), /hunter2|aHVudGVyMg/);
  const ssh = repoView({
    metadata: { name: 'repo-b' },
    data: { url: encode('git@h:a.git'), sshPrivateKey: encode('KEY') },
  });
  assert.equal(ssh.credentials, 'ssh-key');
});

test('a kubeconfig whose user runs a command on the controller is refused before anything is written', async () => {
  writeFileSync(
    join(dir, 'exec-config'),
    `apiVersion: v1
kind: Config
current-context: a
clusters:
  - name: a
    cluster: { server: 'https://a.example:6443', certificate-authority-data: QUFB }
users:
  - name: a-admin
    user:
      exec: { apiVersion: client.authentication.k8s.io/v1, command: aws, args: [eks, get-token] }
contexts:
  - name: a
    context: { cluster: a, user: a-admin }
`,
  );
  await assert.rejects(
    clusterCredentials({ kubeconfigFile: join(dir, 'exec-config') }),
    /user "a-admin" has exec, which runs a command on the controller.*--server and --token/,
  );
});
