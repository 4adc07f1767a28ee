// What the testbed's registry cannot show (it uses basic auth and answers tags in one page):
// small HTTP servers playing a registry and its token service, some of them hostile. Pagination
// by Link header, the bearer token flow, Retry-After, and where credentials must never go.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { mayReceiveCredentials, parseChallenge } from './auth.ts';
import { RegistryClient } from './client.ts';

const servers: Server[] = [];
after(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))));

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const basic = `Basic ${Buffer.from('user:pw').toString('base64')}`;

test('tags across pages, following only Link headers of the same origin', async () => {
  const all = Array.from({ length: 7 }, (_, i) => `1.0.${i}`);
  const host = await serve((req, res) => {
    const url = new URL(req.url ?? '', 'http://x');
    const n = Number(url.searchParams.get('n'));
    const last = url.searchParams.get('last');
    const start = last ? all.indexOf(last) + 1 : 0;
    const page = all.slice(start, start + n);
    if (start + n < all.length)
      res.setHeader('link', `</v2/app/tags/list?n=${n}&last=${page[page.length - 1]}>; rel="next"`);
    res.end(JSON.stringify({ name: 'app', tags: page }));
  });
  const client = new RegistryClient({ registry: host, insecureHttp: true, pageSize: 3 });
  assert.deepEqual(await client.listTags('app'), all);
  assert.equal(client.stats.tagPages, 3);

  const elsewhere = await serve((_req, res) => {
    res.setHeader('link', '<http://evil.example/v2/app/tags/list?n=3>; rel="next"');
    res.end(JSON.stringify({ tags: ['a'] }));
  });
  const other = new RegistryClient({ registry: elsewhere, insecureHttp: true });
  assert.deepEqual(await other.listTags('app'), ['a']);
  assert.equal(other.stats.tagPages, 1);
});

test('bearer token flow: challenge, token with the credentials, token reused', async () => {
  const seen: string[] = [];
  let tokenHost = '';
  tokenHost = await serve((req, res) => {
    const url = new URL(req.url ?? '', 'http://x');
    seen.push(
      `token ${url.searchParams.get('service')} ${url.searchParams.get('scope')} ${req.headers.authorization ?? '-'}`,
    );
    if (req.headers.authorization !== basic) {
      res.statusCode = 401;
      res.end();
      return;
    }
    res.end(JSON.stringify({ token: 'tok-1', expires_in: 300 }));
  });
  const host = await serve((req, res) => {
    seen.push(`registry ${req.url} ${req.headers.authorization ?? '-'}`);
    if (req.headers.authorization !== 'Bearer tok-1') {
      res.statusCode = 401;
      res.setHeader(
        'www-authenticate',
        `Bearer realm="http://${tokenHost}/token",service="reg",scope="repository:app:pull"`,
      );
      res.end();
      return;
    }
    res.end(JSON.stringify({ tags: ['1'] }));
  });
  const client = new RegistryClient({
    registry: host,
    insecureHttp: true,
    credentials: { username: 'user', password: 'pw' },
  });
  assert.deepEqual(await client.listTags('app'), ['1']);
  assert.deepEqual(await client.listTags('app'), ['1']);
  assert.deepEqual(seen, [
    'registry /v2/app/tags/list?n=1000 -',
    `token reg repository:app:pull ${basic}`,
    'registry /v2/app/tags/list?n=1000 Bearer tok-1',
    'registry /v2/app/tags/list?n=1000 Bearer tok-1',
  ]);
  assert.equal(client.stats.tokens, 1);
});

test('Retry-After is honoured on 429 and 503', async () => {
  let calls = 0;
  const host = await serve((_req, res) => {
    calls++;
    if (calls === 1) {
      res.statusCode = 429;
      res.setHeader('retry-after', '7');
      res.end();
    } else if (calls === 2) {
      res.statusCode = 503;
      res.end();
    } else res.end(JSON.stringify({ tags: ['x'] }));
  });
  const sleeps: number[] = [];
  const client = new RegistryClient({
    registry: host,
    insecureHttp: true,
    backoffMs: 50,
    sleep: async (ms) => void sleeps.push(ms),
  });
  assert.deepEqual(await client.listTags('app'), ['x']);
  assert.deepEqual(sleeps, [7_000, 100]);
  assert.equal(client.stats.retries, 2);
});

test('attacker: a token realm on a look-alike host gets no credentials', async () => {
  assert.equal(mayReceiveCredentials('https://registry-1.docker.io', 'https://auth.docker.io/token'), true);
  assert.equal(mayReceiveCredentials('https://ghcr.io', 'https://ghcr.io/token'), true);
  assert.equal(
    mayReceiveCredentials('https://reg.example.com', 'https://reg.example.com.evil.io/token'),
    false,
  );
  assert.equal(mayReceiveCredentials('https://reg.example.com', 'http://reg.example.com/token'), false);
  assert.equal(mayReceiveCredentials('https://127.0.0.1:5000', 'https://127.0.0.2/token'), false);
  assert.equal(mayReceiveCredentials('https://example.com', 'https://evil.com/token'), false);

  const stolen: string[] = [];
  const evil = await serve((req, res) => {
    stolen.push(req.headers.authorization ?? '-');
    res.end(JSON.stringify({ token: 'evil-token' }));
  });
  const host = await serve((_req, res) => {
    res.statusCode = 401;
    // Same IP, other port: another origin, possibly another tenant's server.
    res.setHeader(
      'www-authenticate',
      `Bearer realm="http://localhost:${evil.split(':')[1]}/token",service="x"`,
    );
    res.end();
  });
  const client = new RegistryClient({
    registry: host,
    insecureHttp: true,
    credentials: { username: 'user', password: 'pw' },
    maxAttempts: 1,
  });
  await assert.rejects(client.listTags('app'));
  assert.deepEqual(stolen, ['-']);
});

test('attacker: a redirect to another host does not carry the Authorization header', async () => {
  const received: string[] = [];
  const storage = await serve((req, res) => {
    received.push(req.headers.authorization ?? '-');
    res.end(JSON.stringify({ created: '2026-01-01T00:00:00Z' }));
  });
  const host = await serve((req, res) => {
    if (req.headers.authorization !== basic) {
      res.statusCode = 401;
      res.setHeader('www-authenticate', 'Basic realm="r"');
      res.end();
      return;
    }
    if (req.url?.includes('/manifests/')) {
      res.end(JSON.stringify({ config: { digest: `sha256:${'c'.repeat(64)}` } }));
      return;
    }
    res.statusCode = 307;
    res.setHeader('location', `http://${storage.replace('127.0.0.1', 'localhost')}/blob`);
    res.end();
  });
  const client = new RegistryClient({
    registry: host,
    insecureHttp: true,
    credentials: { username: 'user', password: 'pw' },
  });
  assert.equal(await client.createdAt('app', `sha256:${'d'.repeat(64)}`), Date.parse('2026-01-01T00:00:00Z'));
  assert.deepEqual(received, ['-']);
});

test('WWW-Authenticate parsing', () => {
  assert.deepEqual(parseChallenge('Bearer realm="https://a/token",service="s",scope="repository:x:pull"'), {
    scheme: 'bearer',
    params: { realm: 'https://a/token', service: 's', scope: 'repository:x:pull' },
  });
  assert.equal(parseChallenge('Negotiate abc'), undefined);
});
