// SSH host keys against a real sshd: a repository's own known_hosts is the only trust, checked
// strictly; a new key is accepted (and pinned) only when the repository says so; a changed key
// is refused either way, which is what an impostor on the network path looks like.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sharedExample } from '../../../testbed/src/shared-examples.ts';
import { type SshGitServer, startSshGitServer } from '../../../testbed/src/ssh-git-server.ts';
import { GitCommandError } from './errors.ts';
import { GitRepoCache } from './repo-cache.ts';

const scratch = await mkdtemp(join(tmpdir(), 'tiphys-git-ssh-test-'));
after(() => rm(scratch, { recursive: true, force: true }));
let caches = 0;
const newCache = () => new GitRepoCache({ cacheDir: join(scratch, `cache-${++caches}`), timeoutMs: 30_000 });

async function refused(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const error = await promise.catch((e: unknown) => e);
  assert.ok(error instanceof GitCommandError, String(error));
  assert.match(error.message, message);
}

describe('Git over SSH against a real sshd', () => {
  let server: SshGitServer;
  let url: string;
  let commit: string;
  before(async () => {
    server = await startSshGitServer();
    ({ url, commit } = await server.createRepo('config', sharedExample('guestbook')));
  });
  after(() => server?.close());

  test('without known hosts for the repository, ssh refuses the host', async () => {
    await refused(
      newCache().resolveRevision(url, 'main', { sshPrivateKey: server.clientKey }),
      /SSH host key .* not known/,
    );
  });

  test("with the repository's known_hosts line it fetches; the checkout is the commit", async () => {
    const cache = newCache();
    const credentials = { sshPrivateKey: server.clientKey, sshKnownHosts: await server.knownHosts() };
    assert.equal(await cache.resolveRevision(url, 'main', credentials), commit);
    const dir = await cache.checkout(url, commit, credentials);
    assert.ok((await readdir(dir)).length > 0);
  });

  test('a host whose key is not the listed one is refused (an impostor, or a reinstalled server)', async () => {
    const listed = await server.knownHosts();
    await server.replaceHostKey();
    await refused(
      newCache().resolveRevision(url, 'main', { sshPrivateKey: server.clientKey, sshKnownHosts: listed }),
      /SSH host key .* (changed|not known)/,
    );
  });

  test('accept-new trusts the first key, pins it for this repository only, and refuses a changed one', async () => {
    const cache = newCache();
    const credentials = { sshPrivateKey: server.clientKey, sshAcceptNewHostKey: true };
    assert.equal(await cache.resolveRevision(url, 'main', credentials), commit);
    const pins = await readdir(join(cache.cacheDir, 'known_hosts.d'));
    assert.equal(pins.length, 1);
    const pinned = await readFile(join(cache.cacheDir, 'known_hosts.d', pins[0]), 'utf8');
    assert.ok(pinned.includes((await server.knownHosts()).split(' ')[2]), pinned);
    // A repository without accept-new gets nothing from another repository's pin.
    await refused(
      cache.resolveRevision(url.replace('config.git', 'other.git'), 'main', {
        sshPrivateKey: server.clientKey,
      }),
      /SSH host key .* not known/,
    );
    await server.replaceHostKey();
    await refused(cache.resolveRevision(url, 'main', credentials), /SSH host key .* changed/);
  });
});
