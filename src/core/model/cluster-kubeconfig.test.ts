import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { clusterKubeconfigProblems } from './cluster-kubeconfig.ts';

function kubeconfig(cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'remote',
    clusters: [{ name: 'remote', cluster: { server: 'https://10.0.0.1:6443', ...cluster } }],
    users: [{ name: 'admin', user }],
    contexts: [{ name: 'remote', context: { cluster: 'remote', user: 'admin' } }],
  });
}

test('inline credentials are accepted', () => {
  assert.deepEqual(
    clusterKubeconfigProblems(kubeconfig({ 'certificate-authority-data': 'Q0E=' }, { token: 't' })),
    [],
  );
  assert.deepEqual(
    clusterKubeconfigProblems(
      kubeconfig(
        { 'insecure-skip-tls-verify': true, 'proxy-url': 'http://proxy:3128' },
        { 'client-certificate-data': 'Qw==', 'client-key-data': 'Sw==' },
      ),
    ),
    [],
  );
});

test('commands and files on the controller are refused, each named', () => {
  const cases: [Record<string, unknown>, Record<string, unknown>, RegExp][] = [
    [
      {},
      { exec: { command: 'sh', args: ['-c', 'id'], apiVersion: 'client.authentication.k8s.io/v1' } },
      /user "admin" has exec, which runs a command/,
    ],
    [{}, { 'auth-provider': { name: 'gcp' } }, /user "admin" has auth-provider/],
    [
      {},
      { tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' },
      /user "admin" has tokenFile, which names a file/,
    ],
    [
      {},
      { 'client-certificate': '/etc/kubernetes/pki/admin.crt' },
      /client-certificate, which names a file.*client-certificate-data/,
    ],
    [{}, { 'client-key': '/etc/kubernetes/pki/admin.key' }, /client-key, which names a file/],
    [
      { 'certificate-authority': '/etc/kubernetes/pki/ca.crt' },
      { token: 't' },
      /cluster "remote" has certificate-authority, which names a file/,
    ],
    [
      { 'proxy-url': 'socks5://127.0.0.1:1080' },
      { token: 't' },
      /proxy-url "socks5:.*only http:\/\/ and https:\/\//,
    ],
  ];
  for (const [cluster, user, message] of cases) {
    const problems = clusterKubeconfigProblems(kubeconfig(cluster, user));
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.match(problems[0], message);
  }
});

test('a second, unused user entry with exec is refused too', () => {
  const text = stringify({
    'current-context': 'remote',
    clusters: [{ name: 'remote', cluster: { server: 'https://10.0.0.1' } }],
    users: [
      { name: 'admin', user: { token: 't' } },
      { name: 'other', user: { exec: { command: 'id' } } },
    ],
    contexts: [{ name: 'remote', context: { cluster: 'remote', user: 'admin' } }],
  });
  assert.match(clusterKubeconfigProblems(text).join('\n'), /user "other" has exec/);
});

test('not a kubeconfig, or no current cluster', () => {
  assert.match(clusterKubeconfigProblems('{').join(), /not YAML/);
  assert.match(clusterKubeconfigProblems('[]').join(), /not a kubeconfig/);
  assert.match(clusterKubeconfigProblems('clusters: []').join(), /current-context names no context/);
  assert.match(
    clusterKubeconfigProblems(kubeconfig({ server: 'unix:///run/k8s.sock' }, { token: 't' })).join(),
    /no http\(s\):\/\/ server/,
  );
});
