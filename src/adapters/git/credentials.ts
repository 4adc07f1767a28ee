// Credentials reach `git` through its environment and small files in the cache folder, never
// through its arguments or the mirror's config, where `ps` or a backup would show them.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRepoLocation } from '../../core/model/repo-url.ts';

export type GitCredentials = {
  username?: string;
  password?: string;
  sshPrivateKey?: string;
  /** Skips TLS certificate verification of https remotes (never SSH host keys). */
  insecureSkipTLS?: boolean;
  /** known_hosts lines trusted for this repository's SSH host. */
  sshKnownHosts?: string;
  /** Trust an SSH host key never seen before, then pin it for this repository. */
  sshAcceptNewHostKey?: boolean;
};

/** The environment one `git` call runs with, and what to remove once it is done. */
export type CredentialSession = {
  env: Record<string, string>;
  /** Values to mask in anything Git prints. */
  secrets: string[];
  dispose(): Promise<void>;
};

// Git asks twice ("Username for 'https://host': ", "Password for 'https://user@host': "). The
// answer comes from the child's environment, and only for the repository's own origin: after a
// redirect Git asks for another host, which must not get these credentials.
const askpassScript = `#!/bin/sh
asked=$(printf '%s' "$1" | sed -n "s#^[A-Za-z]* for '\\([A-Za-z0-9+.-]*://\\)\\([^/']*@\\)\\{0,1\\}\\([^/']*\\).*#\\1\\3#p" | tr 'A-Z' 'a-z')
[ -n "$TIPHYS_GIT_ORIGIN" ] && [ "$asked" = "$TIPHYS_GIT_ORIGIN" ] || exit 1
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

/**
 * `scheme://host[:port]` of a URL as Git names it in its prompts (lower-cased, no user), or ''
 * for addresses Git never asks a password for (ssh, scp-like, local).
 */
export function promptOrigin(url: string): string {
  const match = /^(https?:\/\/)(?:[^@/]*@)?([^/?#]+)/i.exec(url);
  return match ? `${match[1]}${match[2]}`.toLowerCase() : '';
}

/** Single-quotes a value for the shell that Git runs GIT_SSH_COMMAND with. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * An `-o Name=path…` ssh option: each path double-quoted for ssh's own option parser and `%`
 * doubled so ssh does not expand it as a token, then the whole quoted for the shell that Git
 * runs GIT_SSH_COMMAND with. Any cache folder name survives both.
 */
function sshPathOption(name: string, ...paths: string[]): string {
  const forSsh = paths.map((path) => `"${path.replaceAll('%', '%%').replace(/[\\"]/g, '\\$&')}"`).join(' ');
  return `-o ${shellQuote(`${name}=${forSsh}`)}`;
}

/**
 * Prepares the environment for one network `git` call to `url`. ssh reads no configuration,
 * agent or key of the host it runs on (`-F /dev/null`, `IdentityFile=none` without a key), and
 * checks host keys strictly against the repository's own known_hosts (plus the system's);
 * a host key never seen before is accepted, and pinned for this repository only, when the
 * repository's credentials say `sshAcceptNewHostKey`. An SSH key goes to a fresh 0600 file that
 * `dispose` deletes. BatchMode keeps ssh from waiting on a prompt that nobody will answer.
 */
export async function openCredentialSession(options: {
  cacheDir: string;
  askpassPath: () => Promise<string>;
  credentials: GitCredentials | undefined;
  /** The URL Git is given (credentials removed). */
  url: string;
  /** Names this repository's pinned host keys (the mirror's key). */
  repoKey: string;
}): Promise<CredentialSession> {
  const { cacheDir, credentials = {} } = options;
  const env: Record<string, string> = {};
  const secrets: string[] = [];
  if (credentials.username !== undefined || credentials.password !== undefined) {
    env.GIT_ASKPASS = await options.askpassPath();
    env.TIPHYS_GIT_ORIGIN = promptOrigin(options.url);
    env.TIPHYS_GIT_USERNAME = credentials.username ?? '';
    env.TIPHYS_GIT_PASSWORD = credentials.password ?? '';
    if (credentials.password) secrets.push(credentials.password);
    // A token given as the user name (`https://<token>@host/…`) is the secret.
    else if (credentials.username) secrets.push(credentials.username);
  }
  if (credentials.insecureSkipTLS) env.GIT_SSL_NO_VERIFY = '1';

  if (parseRepoLocation(options.url)?.scheme !== 'ssh') {
    return { env, secrets, dispose: async () => {} };
  }
  const tempRoot = join(cacheDir, 'tmp');
  await mkdir(tempRoot, { recursive: true, mode: 0o700 });
  const sessionDir = await mkdtemp(join(tempRoot, 'ssh-'));
  const knownHosts = join(sessionDir, 'known_hosts');
  await writeFile(knownHosts, withNewline(credentials.sshKnownHosts ?? ''), { mode: 0o600 });
  const ssh = ['ssh', '-F /dev/null', '-o BatchMode=yes', '-o IdentitiesOnly=yes'];
  if (credentials.sshAcceptNewHostKey) {
    // ssh adds a new key to the first file: the repository's own pins, kept in the cache.
    const pinned = join(cacheDir, 'known_hosts.d');
    await mkdir(pinned, { recursive: true, mode: 0o700 });
    ssh.push(
      '-o StrictHostKeyChecking=accept-new',
      sshPathOption('UserKnownHostsFile', join(pinned, options.repoKey), knownHosts),
    );
  } else {
    ssh.push('-o StrictHostKeyChecking=yes', sshPathOption('UserKnownHostsFile', knownHosts));
  }
  if (credentials.sshPrivateKey) {
    const keyFile = join(sessionDir, 'key');
    await writeFile(keyFile, withNewline(credentials.sshPrivateKey), { mode: 0o600 });
    ssh.push(sshPathOption('IdentityFile', keyFile));
    secrets.push(credentials.sshPrivateKey);
  } else {
    ssh.push('-o IdentityFile=none');
  }
  env.GIT_SSH_COMMAND = ssh.join(' ');
  return {
    env,
    secrets,
    dispose: () => rm(sessionDir, { recursive: true, force: true }),
  };
}

/** ssh refuses a key file without a final newline, and reads known_hosts by lines. */
function withNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}
