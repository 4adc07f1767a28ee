// Debian packages the real-node testbed and the registry need at run time, installed when
// missing so that `npm ci && npm test` passes on a fresh machine (as scripts/test-setup.ts does
// for Chromium). Each is checked by a file it provides, so an installed package costs nothing.
import { existsSync } from 'node:fs';
import { runCommand } from './host-command.ts';

export interface DebianPackage {
  name: string;
  /** A file the package installs; its presence means the package is there. */
  provides: string;
}

/** What a real node runs besides its own binaries: kube-proxy's iptables, ip, nsenter, sysctl, umount. */
export const realNodePackages: DebianPackage[] = [
  { name: 'iptables', provides: '/usr/sbin/iptables' },
  { name: 'iproute2', provides: '/usr/sbin/ip' },
  { name: 'util-linux', provides: '/usr/bin/nsenter' },
  { name: 'procps', provides: '/usr/sbin/sysctl' },
  { name: 'mount', provides: '/usr/bin/umount' },
];
export const registryPackage: DebianPackage = {
  name: 'docker-registry',
  provides: '/usr/bin/docker-registry',
};
export const htpasswdPackage: DebianPackage = { name: 'apache2-utils', provides: '/usr/bin/htpasswd' };
export const opensslPackage: DebianPackage = { name: 'openssl', provides: '/usr/bin/openssl' };

let installing: Promise<void> = Promise.resolve();

/** Installs the missing packages with apt-get (one at a time per process; dpkg's lock waits for others). */
export function ensureDebianPackages(packages: DebianPackage[], log: (line: string) => void = () => {}) {
  const next = installing.then(() => install(packages, log));
  installing = next.catch(() => {});
  return next;
}

async function install(packages: DebianPackage[], log: (line: string) => void): Promise<void> {
  const missing = packages.filter((p) => !existsSync(p.provides));
  if (missing.length === 0) return;
  const names = missing.map((p) => p.name);
  if (process.getuid?.() !== 0) {
    throw new Error(
      `testbed: missing Debian packages ${names.join(', ')}; install them: apt-get install ${names.join(' ')}`,
    );
  }
  log(`[testbed] installing Debian packages ${names.join(', ')}…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]) =>
    runCommand('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], { env, timeoutMs: 600_000 });
  const installArgs = ['install', '-y', '-qq', '--no-install-recommends', ...names];
  try {
    await apt(installArgs);
  } catch {
    // A fresh machine may have no package lists yet.
    await apt(['update', '-qq']);
    await apt(installArgs);
  }
  const still = missing.filter((p) => !existsSync(p.provides));
  if (still.length > 0) {
    throw new Error(
      `testbed: apt-get installed ${names.join(', ')} but ${still.map((p) => p.provides).join(', ')} is missing`,
    );
  }
}
