import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { longWatchSettings, makeLongInformer, SILENCE_MARGIN_MS, WATCH_SECONDS } from './long-watch.ts';

test('a watch lasts 5 to 10 minutes on the server, and the client waits a minute longer', () => {
  assert.deepEqual(longWatchSettings(0), {
    timeoutSeconds: WATCH_SECONDS.min,
    requestTimeoutMs: WATCH_SECONDS.min * 1000 + SILENCE_MARGIN_MS,
  });
  assert.equal(longWatchSettings(1).timeoutSeconds, WATCH_SECONDS.max);
  assert.ok(longWatchSettings(0.5).requestTimeoutMs > 30_000);
});

test('the informer asks the API server to end its watch and to send bookmarks', async () => {
  const asked: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    asked.push(new URL(req.url ?? '/', 'http://x').searchParams);
    res.writeHead(200, { 'content-type': 'application/json' });
    // An open watch with one event, then the server ends it.
    res.end(
      `${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'b', resourceVersion: '2' } } })}\n`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const informer = makeLongInformer(kc, '/api/v1/configmaps', async () => ({
    apiVersion: 'v1',
    kind: 'ConfigMapList',
    metadata: { resourceVersion: '1' },
    items: [{ metadata: { name: 'a', resourceVersion: '1' } }],
  }));
  const added = new Promise<void>((resolve) =>
    informer.on('add', (obj) => obj.metadata?.name === 'b' && resolve()),
  );
  await informer.start();
  await added;
  await informer.stop();
  server.close();
  const query = asked[0];
  assert.equal(query.get('watch'), 'true');
  assert.equal(query.get('allowWatchBookmarks'), 'true');
  const seconds = Number(query.get('timeoutSeconds'));
  assert.ok(seconds >= WATCH_SECONDS.min && seconds <= WATCH_SECONDS.max, `timeoutSeconds ${seconds}`);
});
