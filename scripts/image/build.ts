// Builds the Tiphys image without a daemon: a Debian base from mmdebstrap, then Node 24, the render
// tools, the production dependencies and the app as layers of their own (so an upgrade that only
// changes the app pulls only its layer), written as an OCI layout.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ensureTestbedBinary } from '../../testbed/src/binaries.ts';
import { type BuiltImage, type LayerItem, writeImageLayout } from '../../testbed/src/image.ts';
import { debianRootfs } from '../../testbed/src/image-rootfs.ts';
import { appDir, tiphysImage as image, isExcludedAppFile } from './description.ts';

export interface BuildOptions {
  /** The checkout to build from. */
  root: string;
  /** OCI layout folder to write. */
  layoutDir: string;
  /** The name recorded in the layout (what `ctr images import` calls it). */
  name: string;
  /** Build the Debian base again even if cached (new security updates). */
  refreshBase?: boolean;
  log?: (line: string) => void;
}

export function imageCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tiphys', 'image');
}

export async function buildTiphysImage(options: BuildOptions): Promise<BuiltImage> {
  const { root } = options;
  const log = options.log ?? (() => {});
  const node = join(root, 'node_modules', 'node', 'bin', 'node');
  const nodeVersion = existsSync(node) ? (await run(node, ['--version'], root)).trim() : '';
  if (!nodeVersion.startsWith('v24.')) {
    throw new Error(`${node} is not Node 24 (${nodeVersion || 'missing'}); run "npm ci" in ${root} first`);
  }
  log('building the web UI (vite)…');
  await run(
    node,
    [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'ui', '--logLevel', 'warn'],
    root,
  );
  const [rootfs, modules, helm, kustomize, jsonnet] = await Promise.all([
    debianRootfs(image.base, { log, refresh: options.refreshBase }),
    productionModules(root, log),
    ensureTestbedBinary('helm', { log }),
    ensureTestbedBinary('kustomize', { log }),
    ensureTestbedBinary('tiphys-jsonnet', { log }),
  ]);
  const app: LayerItem[] = [
    { dir: join(root, 'ui', 'dist'), to: `${appDir}/ui/dist` },
    ...image.appFiles.map((file): LayerItem => {
      const path = join(root, file);
      return statSync(path).isFile()
        ? { file: path, to: `${appDir}/${file}` }
        : {
            dir: path,
            to: `${appDir}/${file}`,
            exclude: (relative) => isExcludedAppFile(`${file}/${relative}`),
          };
    }),
    { symlink: `${appDir}/bin/tiphys.mjs`, to: image.command },
  ];
  log('writing the layers…');
  return writeImageLayout(options.layoutDir, options.name, {
    mtime: await commitTime(root),
    layers: [
      {
        tarball: rootfs,
        comment: `debian ${image.base.suite} ${image.base.variant}: ${image.base.packages.join(' ')}`,
      },
      { items: [{ file: node, to: image.node, mode: 0o755 }], comment: `node ${nodeVersion}` },
      {
        items: [
          { file: helm, to: image.tools.helm, mode: 0o755 },
          { file: kustomize, to: image.tools.kustomize, mode: 0o755 },
          { file: jsonnet, to: image.tools['tiphys-jsonnet'], mode: 0o755 },
        ],
        comment: 'helm, kustomize and tiphys-jsonnet',
      },
      { items: [{ dir: modules, to: `${appDir}/node_modules` }], comment: 'npm ci --omit=dev' },
      { items: app, comment: 'tiphys' },
    ],
    config: {
      entrypoint: [image.command],
      cmd: ['--help'],
      env: { ...image.env },
      user: `${image.base.user.uid}:${image.base.user.uid}`,
      workingDir: image.base.user.home,
      exposedPorts: [...image.ports],
      labels: { ...image.labels, 'org.opencontainers.image.version': packageVersion(root) },
    },
  });
}

/**
 * `npm ci --omit=dev` of the checkout's lock file in a folder of its own, kept per lock file: the
 * image must not carry devDependencies, and the checkout's node_modules has them.
 */
async function productionModules(root: string, log: (line: string) => void): Promise<string> {
  const lock = readFileSync(join(root, 'package-lock.json'));
  const key = createHash('sha256')
    .update(lock)
    .update(readFileSync(join(root, 'package.json')))
    .digest('hex');
  const dir = join(imageCacheDir(), `node-modules-${key.slice(0, 16)}`);
  const modules = join(dir, 'node_modules');
  if (existsSync(modules)) return modules;
  log('installing the production dependencies (npm ci --omit=dev)…');
  const staging = `${dir}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    cpSync(join(root, 'package.json'), join(staging, 'package.json'));
    cpSync(join(root, 'package-lock.json'), join(staging, 'package-lock.json'));
    // No install scripts: none of the runtime dependencies needs one, and none should run here.
    await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], staging);
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return modules;
}

/** The commit's time for every file: reproducible, and it changes with each commit (UI caching). */
async function commitTime(root: string): Promise<number> {
  try {
    return Number((await run('git', ['log', '-1', '--format=%ct'], root)).trim()) || 0;
  } catch {
    return 0;
  }
}

function packageVersion(root: string): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

function run(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error)
        reject(new Error(`${command} ${args.join(' ')} failed in ${cwd}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}
