// Base root filesystems for images, from Debian packages with mmdebstrap (no daemon, no base image
// pulled from a registry: Debian's own mirror is reachable where Docker Hub is not). Each is built
// once per description and kept as a tarball under ~/.cache/tiphys/rootfs.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export interface DebianRootfs {
  /** Debian release, e.g. `bookworm`. */
  suite: string;
  /** mmdebstrap's variant; `minbase` is Essential plus apt, about what `debian:*-slim` holds. */
  variant?: 'essential' | 'minbase' | 'apt';
  packages: string[];
  /** A user the image runs as, created with useradd (home folder included, owned by it). */
  user?: { name: string; uid: number; home: string };
  /** Folders created empty and owned by `user`, e.g. a cache folder. */
  userDirs?: string[];
}

/** What dpkg leaves out, as the Debian slim images do: manuals, docs (copyrights kept), locales. */
const dpkgExcludes = [
  'path-exclude=/usr/share/man/*',
  'path-exclude=/usr/share/info/*',
  'path-exclude=/usr/share/locale/*',
  'path-include=/usr/share/locale/locale.alias',
  'path-exclude=/usr/share/doc/*',
  'path-include=/usr/share/doc/*/copyright',
  'path-exclude=/usr/share/lintian/*',
];

export const debianMirror = process.env.TIPHYS_DEBIAN_MIRROR || 'http://deb.debian.org/debian';
const debianSecurityMirror =
  process.env.TIPHYS_DEBIAN_SECURITY_MIRROR || 'http://deb.debian.org/debian-security';

export function rootfsCacheDir(): string {
  const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cacheHome, 'tiphys', 'rootfs');
}

/** The mmdebstrap arguments for a description: also what the cache key is made of. */
export function mmdebstrapArgs(rootfs: DebianRootfs, output: string): string[] {
  const hooks: string[] = [
    // The host's resolver and name must not end up in an image; the runtime mounts its own.
    ': > "$1/etc/resolv.conf"',
    ': > "$1/etc/hostname"',
  ];
  if (rootfs.user) {
    const { name, uid, home } = rootfs.user;
    hooks.push(
      `chroot "$1" useradd --uid ${uid} --user-group --home-dir ${home} --create-home --shell /usr/sbin/nologin ${name}`,
    );
    for (const dir of rootfs.userDirs ?? []) hooks.push(`install -d -o ${uid} -g ${uid} -m 0755 "$1${dir}"`);
  }
  return [
    '--mode=auto',
    '--format=tar',
    `--variant=${rootfs.variant ?? 'minbase'}`,
    `--include=${rootfs.packages.join(',')}`,
    ...dpkgExcludes.map((option) => `--dpkgopt=${option}`),
    ...hooks.map((hook) => `--customize-hook=${hook}`),
    rootfs.suite,
    output,
    `deb ${debianMirror} ${rootfs.suite} main`,
    `deb ${debianMirror} ${rootfs.suite}-updates main`,
    `deb ${debianSecurityMirror} ${rootfs.suite}-security main`,
  ];
}

const building = new Map<string, Promise<string>>();

/**
 * The gzipped tarball of a Debian root filesystem matching `rootfs`, built with mmdebstrap the first time
 * (minutes; needs root or unprivileged user namespaces, and the Debian mirror) and cached after.
 * Device nodes are left out of it: the container runtime provides /dev.
 */
export function debianRootfs(
  rootfs: DebianRootfs,
  options: { log?: (line: string) => void; refresh?: boolean } = {},
): Promise<string> {
  const key = createHash('sha256')
    .update(JSON.stringify(mmdebstrapArgs(rootfs, '')))
    .digest('hex')
    .slice(0, 16);
  const file = join(rootfsCacheDir(), `${rootfs.suite}-${key}.tar.gz`);
  if (!options.refresh && existsSync(file)) return Promise.resolve(file);
  let pending = building.get(file);
  if (!pending) {
    pending = build(rootfs, file, options.log ?? (() => {}));
    building.set(file, pending);
    pending.finally(() => building.delete(file)).catch(() => {});
  }
  return pending;
}

async function build(rootfs: DebianRootfs, file: string, log: (line: string) => void): Promise<string> {
  mkdirSync(rootfsCacheDir(), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp.tar`;
  log(`building a Debian ${rootfs.suite} root filesystem with mmdebstrap (first time only; minutes)…`);
  const started = Date.now();
  try {
    await run('mmdebstrap', mmdebstrapArgs(rootfs, temporary), 'mmdebstrap', {
      // Fixed file times: the same package versions give the same layer.
      SOURCE_DATE_EPOCH: '0',
    });
    await run('tar', ['--delete', '--wildcards', '-f', temporary, './dev/?*'], 'removing /dev entries').catch(
      // In unshare mode mmdebstrap makes no device nodes: nothing to remove.
      (error: Error) => {
        if (!error.message.includes('Not found in archive')) throw error;
      },
    );
    // Kept compressed: it is the layer blob as it is, so a build does not gzip 200 MB each time.
    await pipeline(
      createReadStream(temporary),
      createGzip({ level: 6 }),
      createWriteStream(`${temporary}.gz`),
    );
    renameSync(`${temporary}.gz`, file);
  } finally {
    rmSync(temporary, { recursive: true, force: true });
    rmSync(`${temporary}.gz`, { force: true });
  }
  log(`root filesystem ready in ${((Date.now() - started) / 1000).toFixed(0)} s: ${file}`);
  return file;
}

function run(command: string, args: string[], what: string, env: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024, timeout: 30 * 60_000 },
      (error, _stdout, stderr) => {
        if (!error) return resolve();
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        const advice = missing ? `${command} is not installed (Debian: apt-get install ${command})` : '';
        reject(new Error(`${what} failed: ${advice || stderr.trim().split('\n').slice(-15).join('\n')}`));
      },
    );
  });
}
