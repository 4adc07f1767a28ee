import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCredentialsOutput } from './credentials-output.ts';

test('server, token and CA become the credentials Secret data', () => {
  const parsed = parseCredentialsOutput(
    '{"server":"https://127.0.0.1:6443/","bearerToken":"s3cret","caData":"PEM"}\n',
    'action testbed',
  );
  assert.deepEqual(parsed, {
    server: 'https://127.0.0.1:6443',
    data: { bearerToken: 's3cret', caData: 'PEM' },
  });
});

test('a kubeconfig gives its current context’s server; one that runs a command is refused', () => {
  const kubeconfig = (user: string) =>
    `apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\nclusters: [{name: k, cluster: {server: "https://k:6443"}}]\nusers: [{name: u, user: ${user}}]\n`;
  assert.equal(
    parseCredentialsOutput(JSON.stringify({ kubeconfig: kubeconfig('{token: t}') }), 'a').server,
    'https://k:6443',
  );
  assert.throws(
    () => parseCredentialsOutput(JSON.stringify({ kubeconfig: kubeconfig('{exec: {command: sh}}') }), 'a'),
    /a: kubeconfig: user "u" has exec/,
  );
});

test('bad output is refused without quoting it (it may hold a secret)', () => {
  for (const [text, expected] of [
    ['token=s3cret', /not JSON; 12 characters not shown|not JSON/],
    ['{"server":"ftp://x","bearerToken":"s3cret"}', /server must be an http\(s\) URL/],
    ['{"server":"https://x"}', /bearerToken \(or kubeconfig\) is required/],
    ['{"server":"https://x","bearerToken":"s3cret","password":"s3cret"}', /unknown field\(s\) password/],
    ['{"server":"https://x","bearerToken":7}', /field bearerToken has the wrong type/],
  ] as const) {
    assert.throws(
      () => parseCredentialsOutput(text, 'action x'),
      (error: Error) =>
        expected.test(error.message) &&
        !error.message.includes('s3cret') &&
        error.message.startsWith('action x: '),
    );
  }
});
