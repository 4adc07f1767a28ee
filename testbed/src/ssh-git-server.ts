// A Git server over SSH for tests: the system's OpenSSH sshd (Debian's openssh-server) on a free
// port of 127.0.0.1, with a host key and a client key of its own, serving bare repositories under
// a temporary root to this user. Its host key can be replaced on the same port, which is what a
// client sees when the server is reinstalled, or when someone else answers in its place.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { commitInWorkClone, copyFolder, initBareRepo } from './git-repo.ts';
import { freePorts } from './ports.ts';
import { cleanUpOnExit, killAndWait, killProcessGroup } from './process-cleanup.ts';

const run = promisify(execFile);
const sshdPath = '/usr/sbin/sshd';

export interface SshGitServer {
  readonly port: number;
  /** The line a client trusts this server by: `[127.0.0.1]:<port> ssh-ed25519 AAAA…`. */
  knownHosts(): Promise<string>;
  /** The private key (OpenSSH format) the server accepts. */
  readonly clientKey: string;
  /** `ssh://<user>@127.0.0.1:<port>/<root>/<name>.git` */
  repoUrl(name: string): string;
  createRepo(name: string, fromFolder: string): Promise<{ url: string; commit: string }>;
  /** Restarts sshd on the same port with a new host key. */
  replaceHostKey(): Promise<void>;
  close(): Promise<void>;
}

export class SshdMissingError extends Error {
  override name = 'SshdMissingError';
}

/** Starts sshd; fails with how to install it when the machine has none. */
export async function startSshGitServer(): Promise<SshGitServer> {
  if (!existsSync(sshdPath)) {
    throw new SshdMissingError(
      `${sshdPath} not found: the SSH tests need OpenSSH's server (Debian: apt-get install openssh-server)`,
    );
  }
  // sshd run by root separates privileges into this folder, which the package's service makes.
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = await mkdtemp(join(tmpdir(), 'tiphys-sshd-'));
  const root = join(dir, 'repos');
  mkdirSync(root);
  const [port] = await freePorts(1);
  const user = userInfo().username;
  await run('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    'tiphys-test-client',
    '-f',
    join(dir, 'client'),
  ]);
  await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'client.pub')), { mode: 0o600 });
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'PermitRootLogin prohibit-password',
    `AllowUsers ${user}`,
    'LogLevel ERROR',
  ].join('\n');
  await writeFile(join(dir, 'sshd_config'), `${config}\n`);

  let sshd: ChildProcess | undefined;
  const start = async () => {
    rmSync(join(dir, 'host'), { force: true });
    rmSync(join(dir, 'host.pub'), { force: true });
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host')]);
    // Its own process group: the per-connection children go with it.
    const child = spawn(sshdPath, ['-D', '-e', '-f', join(dir, 'sshd_config')], {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    sshd = child;
    for (let attempt = 0; !(await accepts(port)); attempt++) {
      if (child.exitCode !== null || attempt > 100) {
        throw new Error(`sshd did not start on port ${port}: ${stderr.trim()}`);
      }
      await sleep(50);
    }
  };
  await start();
  const dropExitCleanUp = cleanUpOnExit(() => {
    if (sshd) killProcessGroup(sshd);
    rmSync(dir, { recursive: true, force: true });
  });
  const clientKey = await readFile(join(dir, 'client'), 'utf8');
  const repoUrl = (name: string) => `ssh://${user}@127.0.0.1:${port}${root}/${name}.git`;
  return {
    port,
    clientKey,
    repoUrl,
    async knownHosts() {
      const [type, key] = (await readFile(join(dir, 'host.pub'), 'utf8')).trim().split(/\s+/);
      return `[127.0.0.1]:${port} ${type} ${key}`;
    },
    async createRepo(name, fromFolder) {
      const path = join(root, `${name}.git`);
      await initBareRepo(path);
      const commit = await commitInWorkClone(path, 'main', 'Initial commit', (workTree) =>
        copyFolder(fromFolder, workTree),
      );
      return { url: repoUrl(name), commit };
    },
    async replaceHostKey() {
      if (sshd) await killAndWait(sshd);
      await start();
    },
    async close() {
      if (sshd) await killAndWait(sshd);
      await rm(dir, { recursive: true, force: true });
      dropExitCleanUp();
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
