// How the long-running commands (controller, server) run: with a young generation of at most
// 2 × 8 MiB, an old generation that grows by half between full collections, and two malloc
// arenas. Measured under the peers bench (200 apps, docs/performance.md
// "Memory"): V8 grew the young generation to 2 × 32 MiB while apps synced and kept it resident,
// and glibc's per-thread malloc arenas kept freed memory; capped, the peak and the resident
// memory at rest both fell by 30-60 MiB with no measurable CPU cost. Both must be set when the
// process starts, so bin/tiphys.mjs starts Node again in the same process (execve: same pid,
// same stdio), once: the relaunched process has both and is not relaunched.

const LONG_RUNNING = new Set(['controller', 'server']);
export const SEMI_SPACE_FLAG = '--max-semi-space-size=8';
/**
 * The old generation may grow to 1.5 × what survived the last full collection before the next
 * one (V8 chooses up to 4 ×, commonly about 2 ×). Fleet bench, 1,000 apps: RSS after the sync
 * 341-363 MiB without, 251 with, the controller's CPU unchanged (docs/performance.md, "Memory at
 * 1,000 apps"). A V8 flag Node refuses in NODE_OPTIONS, so it is given here.
 */
export const HEAP_GROWING_FLAG = '--heap-growing-percent=50';
export const MALLOC_ARENAS = '2';

export interface Relaunch {
  args: string[];
  env: Record<string, string | undefined>;
}

/**
 * The arguments and environment to start `entry` again with, or undefined when this process
 * should go on: not a long-running command, or already started with both settings (the
 * operator's own values, when given, are kept).
 */
export function memoryRelaunch(
  entry: string,
  argv: readonly string[],
  execArgv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Relaunch | undefined {
  const command = argv.find((arg) => !arg.startsWith('-'));
  if (!command || !LONG_RUNNING.has(command)) return undefined;
  const semiSpaceSet = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].some((flag) =>
    flag.startsWith('--max-semi-space-size'),
  );
  const growingSet = execArgv.some((flag) => flag.startsWith('--heap-growing-percent'));
  if (semiSpaceSet && growingSet && env.MALLOC_ARENA_MAX !== undefined) return undefined;
  return {
    args: [
      ...(semiSpaceSet ? [] : [SEMI_SPACE_FLAG]),
      ...(growingSet ? [] : [HEAP_GROWING_FLAG]),
      ...execArgv,
      entry,
      ...argv,
    ],
    env: { MALLOC_ARENA_MAX: MALLOC_ARENAS, ...env },
  };
}
