// The attacker runs a Git server of their own: credentials for one origin must never reach it,
// whether Git is sent there by a redirect or by the repository URL itself.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { GitCommandError } from './errors.ts';
import { GitRepoCache } from './repo-cache.ts';

const scratch = await mkdtemp(join(tmpdir(), 'tiphys-git-origin-test-'));
after(() => rm(scratch, { recursive: true, force: true }));

const secret = { username: 'deploy', password: 'S3cret-for-the-real-server' };

/** A server that asks every caller for a password and remembers what it was sent. */
async function recordingServer(): Promise<{ url: string; seen: IncomingHttpHeaders[]; server: Server }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="evil"' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

test('a redirect to another origin gets no credentials', async () => {
  const evil = await recordingServer();
  const redirector = createServer((req, res) => {
    res.writeHead(302, { Location: `${evil.url}${req.url}` }).end();
  });
  await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
  try {
    const origin = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`;
    const cache = new GitRepoCache({ cacheDir: join(scratch, 'redirect'), timeoutMs: 30_000 });
    const error = await cache.lsRemote(`${origin}/team/app.git`, secret).catch((e: unknown) => e);
    assert.ok(error instanceof GitCommandError, String(error));
    // Git did follow the redirect and was asked for a password there…
    assert.ok(evil.seen.length > 0, 'git never reached the redirect target');
    // …and sent none.
    assert.deepEqual(
      evil.seen.map((headers) => headers.authorization),
      evil.seen.map(() => undefined),
    );
  } finally {
    redirector.close();
    evil.server.close();
  }
});
