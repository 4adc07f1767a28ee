// How the long-running commands (controller, server) run: with a young generation of at most
// 2 × 8 MiB and two malloc arenas. Measured under the peers bench (200 apps, docs/performance.md
// "Memory"): V8 grew the young generation to 2 × 32 MiB while apps synced and kept it resident,
// and glibc's per-thread malloc arenas kept freed memory; capped, the peak and the resident
// memory at rest both fell by 30-60 MiB with no measurable CPU cost. Both must be set when the
// process starts, so bin/tiphys.mjs starts Node again in the same process (execve: same pid,
// same stdio), once: the relaunched process has both and is not relaunched.

const LONG_RUNNING = new Set(['controller', 'server']);
export const SEMI_SPACE_FLAG = '--max-semi-space-size=8';
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
  if (semiSpaceSet && env.MALLOC_ARENA_MAX !== undefined) return undefined;
  return {
    args: [...(semiSpaceSet ? [] : [SEMI_SPACE_FLAG]), ...execArgv, entry, ...argv],
    env: { MALLOC_ARENA_MAX: MALLOC_ARENAS, ...env },
  };
}
