import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openCredentialSession, promptOrigin, writeAskpassScript } from './credentials.ts';

// Quotes, '%', '$' and a backslash in the cache folder: paths must survive sh and ssh parsing.
const scratch = await mkdtemp(join(tmpdir(), `tiphys-creds it's %h "q" \\ $x-`));
after(() => rm(scratch, { recursive: true, force: true }));

// ssh is required, not optional: scripts/test.ts installs it (ensureSsh) like Chromium, and these
// tests check what ssh itself makes of the options.
assert.equal(spawnSync('ssh', ['-V']).status, 0, 'ssh is missing: apt-get install openssh-client');
/** The options as ssh understood them, after the shell's parsing (`ssh -G`). */
function sshOptions(command: string | undefined): string {
  assert.ok(command);
  return execFileSync('sh', ['-c', `${command.replace(/^ssh /, 'ssh -G ')} example.invalid`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

test('the askpass helper answers user name and password for the repository origin only', async () => {
  const script = await writeAskpassScript(scratch);
  assert.equal((await stat(script)).mode & 0o777, 0o700);
  const env = {
    TIPHYS_GIT_ORIGIN: 'https://git.example.com:8443',
    TIPHYS_GIT_USERNAME: 'bob',
    TIPHYS_GIT_PASSWORD: 'p@ss \'w"rd',
  };
  const ask = (prompt: string) => spawnSync(script, [prompt], { env, encoding: 'utf8' });
  assert.equal(ask("Username for 'https://git.example.com:8443': ").stdout, 'bob\n');
  assert.equal(ask("Password for 'https://bob@GIT.example.com:8443': ").stdout, 'p@ss \'w"rd\n');
  assert.equal(ask("Password for 'https://bob%40corp@git.example.com:8443': ").stdout, 'p@ss \'w"rd\n');
  // After a redirect Git asks for another origin: nothing is answered.
  for (const prompt of [
    "Username for 'https://evil.example': ",
    "Password for 'https://bob@evil.example': ",
    "Password for 'https://git.example.com:8443@evil.example': ",
    "Password for 'https://git.example.com': ",
    "Password for 'http://git.example.com:8443': ",
    'Password: ',
  ]) {
    const answer = ask(prompt);
    assert.equal(answer.stdout, '', prompt);
    assert.notEqual(answer.status, 0, prompt);
  }
});

test('promptOrigin is the scheme, host and port Git names in its prompts', () => {
  assert.equal(promptOrigin('https://Git.Example.com:8443/x.git'), 'https://git.example.com:8443');
  assert.equal(promptOrigin('http://127.0.0.1:4000/team.git'), 'http://127.0.0.1:4000');
  assert.equal(promptOrigin('git@github.com:org/x.git'), '');
});

test('an SSH key lives in a 0600 file for the call only; ssh reads no host config and checks host keys strictly', async () => {
  const session = await openCredentialSession({
    cacheDir: scratch,
    askpassPath: () => writeAskpassScript(scratch),
    credentials: { sshPrivateKey: 'KEY', sshKnownHosts: 'git.example.com ssh-ed25519 AAAA' },
    url: 'git@git.example.com:org/repo.git',
    repoKey: 'k1',
  });
  const [dir] = await readdir(join(scratch, 'tmp'));
  const keyPath = join(scratch, 'tmp', dir, 'key');
  const knownHosts = join(scratch, 'tmp', dir, 'known_hosts');
  assert.equal((await stat(keyPath)).mode & 0o777, 0o600);
  assert.equal(await readFile(keyPath, 'utf8'), 'KEY\n');
  assert.equal(await readFile(knownHosts, 'utf8'), 'git.example.com ssh-ed25519 AAAA\n');
  assert.deepEqual(session.secrets, ['KEY']);
  const printed = sshOptions(session.env.GIT_SSH_COMMAND);
  assert.match(printed, /^batchmode yes$/m);
  assert.match(printed, /^stricthostkeychecking true$/m);
  assert.match(printed, /^identitiesonly yes$/m);
  assert.ok(printed.includes(`userknownhostsfile ${knownHosts}\n`), printed);
  // ssh shows IdentityFile before expanding tokens: '%%' becomes the '%' of the path then.
  assert.ok(printed.includes(`identityfile ${keyPath.replaceAll('%', '%%')}`), printed);
  assert.doesNotMatch(printed, /identityfile ~\/\.ssh/);
  await session.dispose();
  assert.equal(existsSync(keyPath), false);
  assert.equal(existsSync(knownHosts), false);
});

test('without a key ssh offers none of the host user keys; accept-new pins per repository', async () => {
  const session = await openCredentialSession({
    cacheDir: scratch,
    askpassPath: () => writeAskpassScript(scratch),
    credentials: { sshAcceptNewHostKey: true },
    url: 'ssh://git@git.example.com/org/repo.git',
    repoKey: 'repo-key-2',
  });
  const printed = sshOptions(session.env.GIT_SSH_COMMAND);
  assert.match(printed, /^stricthostkeychecking accept-new$/m);
  assert.match(printed, /^identityfile none$/m);
  assert.ok(printed.includes(`userknownhostsfile ${join(scratch, 'known_hosts.d', 'repo-key-2')} `), printed);
  await session.dispose();
});

test('user name and password go to the environment only, with the origin they are for', async () => {
  const session = await openCredentialSession({
    cacheDir: scratch,
    askpassPath: () => writeAskpassScript(scratch),
    credentials: { username: 'bob', password: 'hunter2', insecureSkipTLS: true },
    url: 'https://git.example.com/org/repo.git',
    repoKey: 'k3',
  });
  assert.equal(session.env.TIPHYS_GIT_PASSWORD, 'hunter2');
  assert.equal(session.env.TIPHYS_GIT_ORIGIN, 'https://git.example.com');
  assert.equal(session.env.GIT_SSL_NO_VERIFY, '1');
  assert.equal(session.env.GIT_ASKPASS, join(scratch, 'askpass.sh'));
  assert.deepEqual(session.secrets, ['hunter2']);
  await session.dispose();
});
