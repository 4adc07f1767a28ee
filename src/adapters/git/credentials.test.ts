import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openCredentialSession, writeAskpassScript } from './credentials.ts';

// Quotes, '%', '$' and a backslash in the cache folder: paths must survive sh and ssh parsing.
const scratch = await mkdtemp(join(tmpdir(), `tiphys-creds it's %h "q" \\ $x-`));
after(() => rm(scratch, { recursive: true, force: true }));

test('the askpass helper answers user name and password from its environment', async () => {
  const script = await writeAskpassScript(scratch);
  assert.equal((await stat(script)).mode & 0o777, 0o700);
  const env = { TIPHYS_GIT_USERNAME: 'bob', TIPHYS_GIT_PASSWORD: 'p@ss \'w"rd' };
  const ask = (prompt: string) => execFileSync(script, [prompt], { env, encoding: 'utf8' });
  assert.equal(ask("Username for 'https://host': "), 'bob\n');
  assert.equal(ask("Password for 'https://bob@host': "), 'p@ss \'w"rd\n');
});

test('an SSH key lives in a 0600 file for the call only, and ssh reads the paths right', async () => {
  const session = await openCredentialSession({
    cacheDir: scratch,
    askpassPath: () => writeAskpassScript(scratch),
    credentials: { sshPrivateKey: 'KEY' },
  });
  const [dir] = await readdir(join(scratch, 'tmp'));
  const keyPath = join(scratch, 'tmp', dir, 'key');
  assert.equal((await stat(keyPath)).mode & 0o777, 0o600);
  assert.equal(await readFile(keyPath, 'utf8'), 'KEY\n');
  assert.deepEqual(session.secrets, ['KEY']);

  if (spawnSync('ssh', ['-V']).status === 0) {
    // `ssh -G` prints the options as ssh understood them, after the shell's parsing.
    const command = `${session.env.GIT_SSH_COMMAND?.replace(/^ssh /, 'ssh -G ')} example.invalid`;
    const printed = execFileSync('sh', ['-c', command], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    assert.match(printed, /^batchmode yes$/m);
    assert.ok(printed.includes(`userknownhostsfile ${join(scratch, 'known_hosts')}`), printed);
    // ssh shows IdentityFile before expanding tokens: '%%' becomes the '%' of the path then.
    assert.ok(printed.includes(`identityfile ${keyPath.replaceAll('%', '%%')}`), printed);
  }
  await session.dispose();
  assert.equal(existsSync(keyPath), false);
});

test('user name and password go to the environment only', async () => {
  const session = await openCredentialSession({
    cacheDir: scratch,
    askpassPath: () => writeAskpassScript(scratch),
    credentials: { username: 'bob', password: 'hunter2', insecureSkipTLS: true },
  });
  assert.equal(session.env.TIPHYS_GIT_PASSWORD, 'hunter2');
  assert.equal(session.env.GIT_SSL_NO_VERIFY, '1');
  assert.equal(session.env.GIT_ASKPASS, join(scratch, 'askpass.sh'));
  assert.deepEqual(session.secrets, ['hunter2']);
  await session.dispose();
});
