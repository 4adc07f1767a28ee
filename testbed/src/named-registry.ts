// The registry of `npm run testbed -- registry up|down`: one per machine, kept in the cache
// folder with its certificate, password and images, on the same port across restarts. Running
// real-node clusters are told about it when it comes up, and a real-node cluster that comes up
// later finds it.
import { existsSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadRegistry, startRegistry, type TestRegistry } from './registry.ts';

export function namedRegistryDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tiphys', 'registry');
}

/** The CLI's registry if it was started and is still running. */
export function runningNamedRegistry(): TestRegistry | undefined {
  const dir = namedRegistryDir();
  if (!existsSync(join(dir, 'state.json'))) return undefined;
  const registry = loadRegistry(dir);
  return registry.isRunning() ? registry : undefined;
}

export async function upNamedRegistry(
  log: (line: string) => void,
): Promise<{ registry: TestRegistry; already: boolean }> {
  const dir = namedRegistryDir();
  if (existsSync(join(dir, 'state.json'))) {
    const registry = loadRegistry(dir);
    if (registry.isRunning()) return { registry, already: true };
    registry.start(true);
    await registry.waitUntilServing();
    return { registry, already: false };
  }
  return { registry: await startRegistry({ dir, keepAlive: true, log }), already: false };
}

export async function downNamedRegistry(): Promise<boolean> {
  const dir = namedRegistryDir();
  if (!existsSync(join(dir, 'state.json'))) return false;
  await loadRegistry(dir).stop();
  rmSync(dir, { recursive: true, force: true });
  return true;
}
