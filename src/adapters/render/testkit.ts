// Helpers for this folder's tests (not a test file itself).
import { createHash } from 'node:crypto';
import { chmod, cp, lstat, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ensureTestbedBinaries } from '../../../testbed/src/binaries.ts';
import { sharedExamplesDir } from '../../../testbed/src/shared-examples.ts';
import type { RenderTools } from './types.ts';

export const examplesDir = sharedExamplesDir();
export const testdataDir = fileURLToPath(new URL('testdata', import.meta.url));

export async function testTools(): Promise<RenderTools> {
  const binaries = await ensureTestbedBinaries();
  return { helm: binaries.helm, kustomize: binaries.kustomize, jsonnet: binaries['tiphys-jsonnet'] };
}

const made: string[] = [];
// Registered at import, on the file's root: an `after` called inside a hook would run right away.
after(() => Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }))));

/** A fresh temporary folder, removed when the test file ends. */
export async function tempDir(prefix = 'tiphys-render-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/**
 * A temporary "repo" holding copies of `sources` (folders) side by side. The shared examples
 * are read-only; the copies are made writable so that they can be removed afterwards.
 */
export async function tempRepo(...sources: string[]): Promise<string> {
  const repo = await tempDir('tiphys-render-repo-');
  for (const source of sources) await cp(source, repo, { recursive: true });
  await makeWritable(repo);
  return repo;
}

async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await makeWritable(path);
    else if (entry.isFile()) await chmod(path, 0o644);
  }
}

/** Every path below dir with a digest of its content (or its link target), to prove nothing changed. */
export async function treeSnapshot(dir: string): Promise<Record<string, string>> {
  const snapshot: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true })) {
    const path = join(dir, entry);
    const stats = await lstat(path);
    if (stats.isSymbolicLink()) snapshot[entry] = `-> ${await readlink(path)}`;
    else if (stats.isDirectory()) snapshot[entry] = `dir ${stats.mode}`;
    else
      snapshot[entry] = `${stats.mode} ${createHash('sha256')
        .update(await readFile(path))
        .digest('hex')}`;
  }
  return snapshot;
}
