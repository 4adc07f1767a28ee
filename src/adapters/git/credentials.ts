// Credentials reach `git` through its environment and small files in the cache folder, never
// through its arguments or the mirror's config, where `ps` or a backup would show them.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type GitCredentials = {
  username?: string;
  password?: string;
  sshPrivateKey?: string;
  insecureSkipTLS?: boolean;
};

/** The environment one `git` call runs with, and what to remove once it is done. */
export type CredentialSession = {
  env: Record<string, string>;
  /** Values to mask in anything Git prints. */
  secrets: string[];
  dispose(): Promise<void>;
};

// Git asks twice ("Username for …", "Password for …"); the answer comes from the child's env.
const askpassScript = `#!/bin/sh
case "$1" in
  Username*) printf '%s\\n' "$TIPHYS_GIT_USERNAME" ;;
  *) printf '%s\\n' "$TIPHYS_GIT_PASSWORD" ;;
esac
`;

/** Writes the askpass helper to `cacheDir/askpass.sh` (mode 0700) and returns its path. */
export async function writeAskpassScript(cacheDir: string): Promise<string> {
  await mkdir(cacheDir, { recursive: true });
  const path = join(cacheDir, 'askpass.sh');
  // Written beside and renamed, so a concurrent git never runs a half-written script.
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, askpassScript, { mode: 0o700 });
  await chmod(temp, 0o700);
  await rename(temp, path);
  return path;
}

/** Single-quotes a value for the shell that Git runs GIT_SSH_COMMAND with. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * An `-o Name=path` ssh option: the path double-quoted for ssh's own option parser and `%`
 * doubled so ssh does not expand it as a token, then the whole quoted for the shell that Git
 * runs GIT_SSH_COMMAND with. Any cache folder name survives both.
 */
function sshPathOption(name: string, path: string): string {
  const forSsh = `"${path.replaceAll('%', '%%').replace(/[\\"]/g, '\\$&')}"`;
  return `-o ${shellQuote(`${name}=${forSsh}`)}`;
}

/**
 * Prepares the environment for one network `git` call. With an SSH key, the key is written to
 * a fresh 0600 file that `dispose` deletes. BatchMode keeps ssh from waiting on a prompt that
 * nobody will answer; new host keys are accepted once and pinned in the cache's known_hosts.
 */
export async function openCredentialSession(options: {
  cacheDir: string;
  askpassPath: () => Promise<string>;
  credentials: GitCredentials | undefined;
}): Promise<CredentialSession> {
  const { cacheDir, credentials = {} } = options;
  const env: Record<string, string> = {};
  const secrets: string[] = [];
  let keyDir: string | undefined;

  if (credentials.username !== undefined || credentials.password !== undefined) {
    env.GIT_ASKPASS = await options.askpassPath();
    env.TIPHYS_GIT_USERNAME = credentials.username ?? '';
    env.TIPHYS_GIT_PASSWORD = credentials.password ?? '';
    if (credentials.password) secrets.push(credentials.password);
    // A token given as the user name (`https://<token>@host/…`) is the secret.
    else if (credentials.username) secrets.push(credentials.username);
  }
  if (credentials.insecureSkipTLS) env.GIT_SSL_NO_VERIFY = '1';

  const ssh = [
    'ssh',
    '-o BatchMode=yes',
    '-o StrictHostKeyChecking=accept-new',
    sshPathOption('UserKnownHostsFile', join(cacheDir, 'known_hosts')),
  ];
  if (credentials.sshPrivateKey) {
    const tempRoot = join(cacheDir, 'tmp');
    await mkdir(tempRoot, { recursive: true, mode: 0o700 });
    keyDir = await mkdtemp(join(tempRoot, 'ssh-'));
    const keyFile = join(keyDir, 'key');
    // ssh refuses a key file without a final newline.
    const key = credentials.sshPrivateKey.endsWith('\n')
      ? credentials.sshPrivateKey
      : `${credentials.sshPrivateKey}\n`;
    await writeFile(keyFile, key, { mode: 0o600 });
    ssh.push(sshPathOption('IdentityFile', keyFile), '-o IdentitiesOnly=yes');
    secrets.push(credentials.sshPrivateKey);
  }
  env.GIT_SSH_COMMAND = ssh.join(' ');

  const dir = keyDir;
  return {
    env,
    secrets,
    dispose: async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}
