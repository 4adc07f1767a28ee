// The webhook recovery action against a real HTTP server (docs/recovery.md): it POSTs the lost
// cluster's name and server with the administrator's headers and hands back the answer; a refusal,
// a hang (the timeout stops it) and, as the attacker, a redirect (which would carry the
// administrator's Authorization header to another host) each fail with a reason that quotes
// neither the answer nor the headers.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { parseRecoveryActions } from '../../core/model/recovery-actions.ts';
import type { KubeRest } from '../kube/rest.ts';
import { runRecoveryAction } from './run-action.ts';

const AUTH = 'Bearer provisioner-token-0123456789abcdefghij';
const CREDENTIALS = JSON.stringify({ server: 'https://10.0.0.9:6443', bearerToken: 'new-cluster-token-xyz' });

describe('webhook recovery action', () => {
  let server: Server;
  let base = '';
  const calls: { path: string; auth: string | undefined; body: string }[] = [];
  before(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        calls.push({ path: req.url ?? '', auth: req.headers.authorization, body });
        if (req.url === '/ok') res.writeHead(200).end(CREDENTIALS);
        else if (req.url === '/quota') res.writeHead(503).end(`quota exceeded for ${CREDENTIALS}`);
        else if (req.url === '/redirect') res.writeHead(307, { location: `${base}/stolen` }).end();
        // '/hang': never answers; the action's timeout ends it.
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const run = (path: string, timeoutSeconds = 10) => {
    const actions = parseRecoveryActions(
      JSON.stringify({
        actions: {
          cloud: { webhook: { url: `${base}${path}`, headers: { authorization: AUTH } }, timeoutSeconds },
        },
      }),
      'test actions',
    );
    const action = actions.get('cloud');
    assert.ok(action);
    return runRecoveryAction(
      action,
      { cluster: 'region-a', server: 'https://10.0.0.1:6443' },
      { rest: {} as KubeRest, namespace: 'tiphys', signal: new AbortController().signal },
    );
  };

  test('posts the lost cluster with the configured headers and returns the answer', async () => {
    assert.equal(await run('/ok'), CREDENTIALS);
    const call = calls.find((c) => c.path === '/ok');
    assert.equal(call?.auth, AUTH);
    assert.deepEqual(JSON.parse(call?.body ?? ''), { cluster: 'region-a', server: 'https://10.0.0.1:6443' });
  });

  test('a refusal and a hang fail with a reason that quotes no answer and no header', async () => {
    const refused = await run('/quota').then(
      () => assert.fail('a 503 is a failure'),
      (error: Error) => error.message,
    );
    assert.equal(refused, 'action cloud: webhook answered 503');
    const hung = await run('/hang', 1).then(
      () => assert.fail('a hang is a failure'),
      (error: Error) => error.message,
    );
    assert.equal(hung, 'action cloud timed out after 1 s and was stopped');
    for (const message of [refused, hung]) {
      assert.ok(!message.includes('new-cluster-token-xyz') && !message.includes(AUTH));
    }
  });

  test('attacker: a redirect is not followed, so the header never reaches another address', async () => {
    const message = await run('/redirect').then(
      () => assert.fail('a redirect is a failure'),
      (error: Error) => error.message,
    );
    assert.match(message, /action cloud: webhook did not answer/);
    assert.ok(!message.includes(AUTH));
    assert.equal(
      calls.filter((c) => c.path === '/stolen').length,
      0,
      'nothing was sent to the redirect target',
    );
  });
});
