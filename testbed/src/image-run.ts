// Runs an image's root filesystem the way a Pod with a restrictive securityContext would, without
// a container runtime: its layers unpacked in order, mounted read-only in a mount namespace of its
// own, tmpfs on the folders a Pod gets as emptyDirs, entered with chroot as the image's user and
// with only the image's environment. No network namespace: it shares loopback with the host.
// For checking an image's runtime where no kubelet runs; a real node does the rest.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { blobPath } from './image-layout.ts';
import { killProcessGroup } from './process-cleanup.ts';

export interface ImageConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  User?: string;
  WorkingDir?: string;
}

/** The config and layer digests of the only image in an OCI layout. */
export function readLayoutImage(layoutDir: string): { config: ImageConfig; layers: string[] } {
  const index = JSON.parse(readFileSync(join(layoutDir, 'index.json'), 'utf8')) as {
    manifests: { digest: string }[];
  };
  const digest = index.manifests[0]?.digest;
  if (!digest) throw new Error(`OCI layout ${layoutDir} holds no image`);
  const manifest = JSON.parse(readFileSync(blobPath(layoutDir, digest), 'utf8')) as {
    config: { digest: string };
    layers: { digest: string }[];
  };
  const config = JSON.parse(readFileSync(blobPath(layoutDir, manifest.config.digest), 'utf8')) as {
    config: ImageConfig;
  };
  return { config: config.config, layers: manifest.layers.map((layer) => layer.digest) };
}

/** Unpacks the layers into `dest`, bottom first, as root with the archive's owners and modes. */
export async function unpackImage(layoutDir: string, dest: string): Promise<ImageConfig> {
  const { config, layers } = readLayoutImage(layoutDir);
  mkdirSync(dest, { recursive: true });
  for (const layer of layers) {
    await new Promise<void>((resolve, reject) => {
      const args = [
        '-xzf',
        blobPath(layoutDir, layer),
        '-C',
        dest,
        '--numeric-owner',
        '--same-owner',
        '--same-permissions',
      ];
      execFile('tar', args, (error, _out, stderr) =>
        error ? reject(new Error(`unpacking layer ${layer}: ${stderr.trim() || error.message}`)) : resolve(),
      );
    });
  }
  return config;
}

export interface RunOptions {
  /** Folders (absolute, in the image) that get a tmpfs owned by the image's user, like emptyDirs. */
  writable: string[];
  /** Added to the image's environment. */
  env?: Record<string, string>;
  /** Default: the image's Entrypoint followed by `args`. */
  command?: string[];
  stdio?: 'ignore' | 'pipe' | 'inherit';
}

/**
 * Starts the image (unpacked in `rootfs`) with `args` after its entrypoint; the child runs in its
 * own process group (kill it with killProcessGroup).
 */
export function runImage(
  rootfs: string,
  config: ImageConfig,
  args: string[],
  options: RunOptions,
): ChildProcess {
  const user = config.User || '0:0';
  const [uid = '0', gid = uid] = user.split(':');
  const env = Object.fromEntries(
    (config.Env ?? []).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
  Object.assign(env, options.env);
  const command = options.command ?? [...(config.Entrypoint ?? []), ...args];
  // The script runs in the new mount namespace; the paths come as arguments, never in its text.
  const script = [
    'set -e',
    'root=$1; uid=$2; gid=$3; shift 3',
    'mount --bind "$root" "$root"',
    'mount -o remount,bind,ro "$root"',
    'mount -t proc proc "$root/proc"',
    'mount --rbind /dev "$root/dev"',
    'while [ "$1" != "--" ]; do mount -t tmpfs -o "mode=0755,uid=$uid,gid=$gid" tmpfs "$root$1"; shift; done',
    'shift',
    'exec chroot --userspec="$uid:$gid" "$root" /usr/bin/env -i "$@"',
  ].join('\n');
  const envArgs = Object.entries(env).map(([key, value]) => `${key}=${value}`);
  // env -i takes no working folder: the command starts from the image's through `sh -c 'cd …'`.
  const workdir = config.WorkingDir || '/';
  const inner = ['/bin/sh', '-c', 'cd "$0" && exec "$@"', workdir, ...command];
  return spawn(
    'unshare',
    [
      '--mount',
      '--pid',
      '--fork',
      'sh',
      '-c',
      script,
      'run-image',
      rootfs,
      uid,
      gid,
      ...options.writable,
      '--',
      ...envArgs,
      ...inner,
    ],
    { stdio: options.stdio ?? 'pipe', detached: true },
  );
}

/** Runs the image to completion and returns its output; rejects with stderr on a non-zero exit. */
export function runImageToEnd(
  rootfs: string,
  config: ImageConfig,
  args: string[],
  options: RunOptions,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = runImage(rootfs, config, args, { ...options, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => killProcessGroup(child), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else
        reject(
          new Error(`${[...(options.command ?? []), ...args].join(' ')} exited ${code}: ${stderr.trim()}`),
        );
    });
  });
}
