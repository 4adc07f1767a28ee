import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { ApiClient, ApiError, apiErrorMessage, serverMessageOf } from './api-client.ts';

test('401 says to log in; 403 says permission denied with the reason; others are the server’s words', () => {
  assert.equal(
    apiErrorMessage(401, 'log in first', 'https://t.example'),
    'not logged in or token expired: run tiphys login https://t.example',
  );
  assert.equal(
    apiErrorMessage(403, 'not allowed to sync applications team-a/web', 'https://t.example'),
    'permission denied: not allowed to sync applications team-a/web',
  );
  assert.equal(
    apiErrorMessage(409, 'project "p" is used by 2 application(s)', 'x'),
    'project "p" is used by 2 application(s)',
  );
});

test('the message of an error body, or what came back instead of one', () => {
  assert.equal(
    serverMessageOf(404, '{"error":"application \\"x\\" not found"}'),
    'application "x" not found',
  );
  assert.equal(
    serverMessageOf(502, '<html>\n<h1>Bad Gateway</h1></html>'),
    'HTTP 502: <html> <h1>Bad Gateway</h1></html> (is this a Tiphys API server?)',
  );
  assert.equal(serverMessageOf(500, ''), 'HTTP 500 (is this a Tiphys API server?)');
});

let base = '';
const seen: { method?: string; url?: string; authorization?: string; body: string }[] = [];
const server = createServer(async (req: IncomingMessage, res) => {
  let body = '';
  for await (const chunk of req) body += chunk;
  seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization, body });
  const send = (status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };
  if (req.url === '/api/v1/ok?selector=team%3Da') return send(200, { items: [1] });
  if (req.url === '/api/v1/denied') return send(403, { error: 'no sync on team-b/web' });
  if (req.url === '/api/v1/login') return send(401, { error: 'invalid username or password' });
  if (req.url === '/api/v1/echo') return send(201, JSON.parse(body));
  return send(401, { error: 'log in first' });
});
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

test('requests carry the bearer token and JSON; errors are ApiErrors with the status', async () => {
  const api = new ApiClient({ server: base, token: 'tok-1' });
  try {
    assert.deepEqual(await api.get('/api/v1/ok', { selector: 'team=a', unused: undefined }), { items: [1] });
    assert.equal(seen.at(-1)?.authorization, 'Bearer tok-1');
    assert.deepEqual(await api.post('/api/v1/echo', { a: 1 }), { a: 1 });
    await assert.rejects(api.get('/api/v1/denied'), (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.status, 403);
      assert.equal(error.message, 'permission denied: no sync on team-b/web');
      return true;
    });
    await assert.rejects(api.get('/api/v1/other'), {
      message: `not logged in or token expired: run tiphys login ${base}`,
    });
    // Login maps its own 401: the raw message, not "run tiphys login".
    await assert.rejects(api.request('POST', '/api/v1/login', { body: {}, raw: true }), {
      message: 'invalid username or password',
    });
  } finally {
    api.close();
  }
});

test('no token, no Authorization header; an unreachable server is named in the error', async () => {
  const anonymous = new ApiClient({ server: base });
  await anonymous.post('/api/v1/echo', {});
  assert.equal(seen.at(-1)?.authorization, undefined);
  anonymous.close();
  const gone = new ApiClient({ server: 'http://127.0.0.1:1' });
  await assert.rejects(
    gone.get('/api/v1/ok'),
    /cannot reach the Tiphys API server at http:\/\/127\.0\.0\.1:1: ECONNREFUSED/,
  );
  gone.close();
});
