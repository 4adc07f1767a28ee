// What the test run needs beyond `npm ci`, installed when missing so that `npm ci && npm test`
// passes on a fresh machine: the testbed's binaries (built from the Go module proxy), Debian's
// Chromium for the browser tests, schemathesis (PyPI) for API fuzzing, and the built web UI.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = '/usr/bin/chromium';
export const SCHEMATHESIS_VERSION = '4.32.5';
export const schemathesisVenv = join(homedir(), '.cache', 'tiphys', `schemathesis-${SCHEMATHESIS_VERSION}`);
export const schemathesisBin = join(schemathesisVenv, 'bin', 'schemathesis');

function run(command: string, args: string[], what: string): void {
  console.error(`[test setup] ${what}…`);
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) {
    throw new Error(`test setup: ${what} failed (${command} ${args.join(' ')} exited ${result.status})`);
  }
}

export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `test setup: ${CHROMIUM} is missing; install Debian's chromium package (apt-get install chromium)`,
    );
  }
  run('apt-get', ['update', '-qq'], 'apt-get update');
  run(
    'apt-get',
    ['install', '-y', '-qq', '--no-install-recommends', 'chromium'],
    'installing Chromium from Debian',
  );
}

/**
 * mmdebstrap builds the Debian base of the Tiphys image (test/image, the install e2e), and
 * Debian's docker-registry serves the testbed's images; both come from apt when missing.
 */
export function ensureImageTools(): void {
  const missing = [
    ['/usr/bin/mmdebstrap', 'mmdebstrap'],
    ['/usr/bin/docker-registry', 'docker-registry'],
    ['/usr/bin/htpasswd', 'apache2-utils'],
  ].filter(([path]) => !existsSync(path as string));
  if (missing.length === 0) return;
  const packages = missing.map(([, name]) => name as string);
  if (process.getuid?.() !== 0) {
    throw new Error(
      `test setup: missing ${packages.join(', ')}; install them: apt-get install ${packages.join(' ')}`,
    );
  }
  run('apt-get', ['update', '-qq'], 'apt-get update');
  run(
    'apt-get',
    ['install', '-y', '-qq', '--no-install-recommends', ...packages],
    `installing ${packages.join(', ')} from Debian`,
  );
}

/**
 * ssh for the Git credential tests, which check what ssh makes of Tiphys's options, and sshd for
 * the Git-over-SSH tests (testbed/src/ssh-git-server.ts runs its own sshd on a free port; the
 * package's service is not started: policy-rc.d or no init refuses it, and nothing needs it).
 */
export function ensureSsh(): void {
  const missing = [
    ['/usr/bin/ssh', 'openssh-client'],
    ['/usr/sbin/sshd', 'openssh-server'],
  ].filter(([path]) => !existsSync(path as string));
  if (missing.length === 0) return;
  const packages = missing.map(([, name]) => name as string);
  if (process.getuid?.() !== 0) {
    throw new Error(
      `test setup: missing ${packages.join(', ')}; install them: apt-get install ${packages.join(' ')}`,
    );
  }
  run('apt-get', ['update', '-qq'], 'apt-get update');
  run(
    'apt-get',
    ['install', '-y', '-qq', '--no-install-recommends', ...packages],
    `installing ${packages.join(', ')} from Debian`,
  );
}

export function ensureSchemathesis(): void {
  if (existsSync(schemathesisBin)) return;
  run('python3', ['-m', 'venv', schemathesisVenv], 'creating a Python venv for schemathesis');
  run(
    join(schemathesisVenv, 'bin', 'pip'),
    ['install', '-q', `schemathesis==${SCHEMATHESIS_VERSION}`],
    'installing schemathesis from PyPI',
  );
}

export function ensureUiBuilt(): void {
  if (existsSync(join('ui', 'dist', 'index.html'))) return;
  if (!existsSync(join('ui', 'index.html'))) return;
  run(
    process.execPath,
    [join('node_modules', 'vite', 'bin', 'vite.js'), 'build', 'ui', '--logLevel', 'warn'],
    'building the web UI',
  );
}
