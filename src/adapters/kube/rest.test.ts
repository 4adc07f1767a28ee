// KubeRest against a plain HTTP server standing in for the API server's wire answers: what it
// sends again (a 429 or 503 given before the request was handled) and what it does not.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError, KubeRest } from './rest.ts';

let server: Server;
let rest: KubeRest;
/** Per path: the statuses still to answer before a 200. */
const failures = new Map<string, number[]>();
const seen = new Map<string, number>();

before(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '';
    seen.set(path, (seen.get(path) ?? 0) + 1);
    const status = failures.get(path)?.shift();
    if (status === undefined) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"ConfigMapList","items":[]}');
      return;
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (status === 429) headers['retry-after'] = '1';
    res.writeHead(status, headers).end(JSON.stringify({ kind: 'Status', message: `answered ${status}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [
      {
        name: 'c',
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  rest = new KubeRest(config);
});

after(() => {
  rest.close();
  server.close();
});

test('a 503 given while storage (re)initializes is sent again and then answered', async () => {
  failures.set('/a', [503, 503]);
  const list = await rest.request<{ kind: string }>('GET', '/a');
  assert.equal(list.kind, 'ConfigMapList');
  assert.equal(seen.get('/a'), 3);
});

test("a 429 waits for the server's Retry-After before it is sent again", async () => {
  failures.set('/b', [429]);
  const started = Date.now();
  await rest.request('POST', '/b', { body: {} });
  assert.equal(seen.get('/b'), 2);
  assert.ok(Date.now() - started >= 900, 'waited about the second the server asked for');
});

test('a server that stays busy gives up after a few tries with its own message', async () => {
  failures.set('/c', [503, 503, 503, 503, 503]);
  await assert.rejects(rest.request('GET', '/c'), (error: unknown) => {
    assert.ok(error instanceof KubeApiError);
    assert.equal(error.status, 503);
    assert.equal(error.message, 'answered 503');
    return true;
  });
  assert.equal(seen.get('/c'), 4);
});

test('other errors are not sent again', async () => {
  failures.set('/d', [500]);
  await assert.rejects(rest.request('GET', '/d'), /answered 500/);
  assert.equal(seen.get('/d'), 1);
});
