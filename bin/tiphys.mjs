#!/usr/bin/env node
// Entry point of the `tiphys` command. The sources are TypeScript run by Node's type stripping,
// which needs Node >= 24; when started by an older system Node, re-run under the Node 24 that
// `npm ci` installed (the `node` package in devDependencies).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const bundled = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(bundled)) {
    console.error(`tiphys needs Node 24 (this is ${process.version}); run "npm ci" in ${root} first.`);
    process.exit(2);
  }
  const result = spawnSync(bundled, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
}
// Node keeps the compiled code of the modules between runs (in $NODE_COMPILE_CACHE, else the temp
// dir; checked against the sources, so an edit is never run stale): a command starts in about
// 60 % of the CPU time. Where the cache cannot be written Node runs without it.
// A start that finds every module there also never loads Node's TypeScript stripper, which kept
// about 25 MiB of a controller's memory (docs/performance.md, "Memory").
module.enableCompileCache?.();
// The controller and the server run with a capped young generation and two malloc arenas, set
// by starting Node again in this same process (src/main/memory-relaunch.ts says why).
const { memoryRelaunch } = await import('../src/main/memory-relaunch.ts');
const relaunch = memoryRelaunch(
  fileURLToPath(import.meta.url),
  process.argv.slice(2),
  process.execArgv,
  process.env,
);
if (relaunch && typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, ...relaunch.args], relaunch.env);
}
// Before the program loads the Kubernetes client: its generated API code stays out of memory.
(await import('../src/adapters/kube/lean-client/hooks.ts')).keepKubeClientLean();
await import('../src/main/main.ts');
