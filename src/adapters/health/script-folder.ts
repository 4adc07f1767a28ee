import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { HealthCustomization, HealthCustomizations } from '../../core/health/customizations.ts';
import { type HealthStatus, isHealthStatus } from '../../core/health/status.ts';

/**
 * A folder of Lua health scripts laid out as Argo CD's resource_customizations:
 * `<group>/<kind>/health.lua`, with `health_test.yaml` and `testdata/` beside each script. A
 * core-group kind is a top-level `<kind>/health.lua`; `_` in a folder name stands for `*`
 * (group and kind names never contain one), so `_.example.com/_/health.lua` checks every kind of
 * every subgroup of example.com.
 */
export interface ScriptFolderEntry {
  /** `group/Kind` pattern, as in HealthCustomizations. */
  pattern: string;
  /** Folder of the script, relative to the root, with `/` separators. */
  folder: string;
  /** Absolute path of the folder. */
  path: string;
  script: string;
}

export class ScriptFolderError extends Error {}

const maxScriptBytes = 1024 * 1024;

/** Every health.lua under the root, sorted by folder. */
export async function readScriptFolder(root: string): Promise<ScriptFolderEntry[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(root);
  } catch (error) {
    throw new ScriptFolderError(`cannot read ${root}: ${error instanceof Error ? error.message : error}`);
  }
  if (!info.isDirectory()) throw new ScriptFolderError(`${root} is not a folder`);
  const files = (await readdir(root, { recursive: true }))
    .map((file) => file.split(sep).join('/'))
    .filter((file) => file === 'health.lua' || file.endsWith('/health.lua'))
    .sort();
  const entries: ScriptFolderEntry[] = [];
  for (const file of files) {
    const folder = file.slice(0, -'/health.lua'.length);
    const parts = folder.split('/');
    if (parts.length > 2 || folder === '') {
      throw new ScriptFolderError(
        `${join(root, file)}: expected <group>/<kind>/health.lua or <kind>/health.lua`,
      );
    }
    const [group, kind] = parts.length === 2 ? parts : ['', parts[0]];
    const path = join(root, folder);
    const size = (await stat(join(path, 'health.lua'))).size;
    if (size > maxScriptBytes)
      throw new ScriptFolderError(`${join(path, 'health.lua')}: larger than ${maxScriptBytes} bytes`);
    const wildcard = (name: string) => name.replaceAll('_', '*');
    entries.push({
      pattern: `${wildcard(group)}/${wildcard(kind)}`,
      folder: relative(root, path).split(sep).join('/'),
      path,
      script: await readFile(join(path, 'health.lua'), 'utf8'),
    });
  }
  return entries;
}

export function customizationsOf(entries: readonly ScriptFolderEntry[]): HealthCustomizations {
  const checks: HealthCustomization[] = entries.map((entry) => ({
    language: 'lua',
    pattern: entry.pattern,
    key: `${entry.folder}/health.lua`,
    script: entry.script,
  }));
  return { checks, errors: [] };
}

/** One case of a health_test.yaml: the object in inputPath must get exactly this health. */
export interface HealthTestCase {
  inputPath: string;
  status: HealthStatus;
  message: string;
}

/**
 * The cases of `<folder>/health_test.yaml` (Argo CD's format: `tests: [{inputPath, healthStatus:
 * {status, message}}]`), or undefined when the folder has none. A malformed file is an error
 * naming the file and the case.
 */
export async function readHealthTests(folder: string): Promise<HealthTestCase[] | undefined> {
  const file = join(folder, 'health_test.yaml');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ScriptFolderError(`cannot read ${file}: ${error instanceof Error ? error.message : error}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text, { maxAliasCount: 10 });
  } catch (error) {
    throw new ScriptFolderError(
      `${file}: not YAML: ${error instanceof Error ? error.message.split('\n')[0] : error}`,
    );
  }
  const tests = (parsed as { tests?: unknown } | null)?.tests;
  if (!Array.isArray(tests)) throw new ScriptFolderError(`${file}: expected a "tests" list`);
  return tests.map((entry, index) => {
    const where = `${file}: tests[${index}]`;
    const inputPath = (entry as { inputPath?: unknown })?.inputPath;
    const health = (entry as { healthStatus?: { status?: unknown; message?: unknown } })?.healthStatus;
    if (typeof inputPath !== 'string' || inputPath === '')
      throw new ScriptFolderError(`${where}: inputPath is missing`);
    if (!isHealthStatus(health?.status)) {
      throw new ScriptFolderError(
        `${where}: healthStatus.status must be one of Healthy, Progressing, Degraded, Suspended, Missing, Unknown`,
      );
    }
    if (health.message !== undefined && health.message !== null && typeof health.message !== 'string') {
      throw new ScriptFolderError(`${where}: healthStatus.message must be a string`);
    }
    return {
      inputPath,
      status: health.status,
      message: typeof health.message === 'string' ? health.message : '',
    };
  });
}
