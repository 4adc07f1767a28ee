import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { RenderTools } from './types.ts';

type ToolName = keyof RenderTools;
const toolNames: ToolName[] = ['helm', 'kustomize', 'jsonnet'];
const envVar: Record<ToolName, string> = {
  helm: 'TIPHYS_HELM_BIN',
  kustomize: 'TIPHYS_KUSTOMIZE_BIN',
  jsonnet: 'TIPHYS_JSONNET_BIN',
};
/** The executable's file name: Jsonnet is go-jsonnet with a rooted importer (testbed/go/jsonnet). */
const fileName: Record<ToolName, string> = {
  helm: 'helm',
  kustomize: 'kustomize',
  jsonnet: 'tiphys-jsonnet',
};

export interface ToolSearch {
  tools: RenderTools;
  /** One plain sentence per tool that was not found: where it was looked for and how to provide it. */
  missing: string[];
}

/**
 * Finds helm and kustomize: TIPHYS_HELM_BIN / TIPHYS_KUSTOMIZE_BIN when set, else the binaries
 * the testbed built (a checkout has them after `npm test` or `npm run demo`, and a developer
 * should not have to install them twice), else PATH. A tool not found keeps its bare name, so a
 * render still says `spawn kustomize ENOENT` with the advice of `missingToolHint`.
 */
export function findTools(env: NodeJS.ProcessEnv = process.env): ToolSearch {
  const tools = {} as RenderTools;
  const missing: string[] = [];
  for (const tool of toolNames) {
    const chosen = env[envVar[tool]];
    if (chosen) {
      tools[tool] = chosen;
      if (!isExecutable(chosen)) missing.push(`${envVar[tool]}=${chosen} is not an executable file`);
      continue;
    }
    const candidates = [...testbedBinDirs(env), ...pathDirs(env)].map((dir) => join(dir, fileName[tool]));
    const found = candidates.find(isExecutable);
    // Jsonnet is optional: only apps with .jsonnet files need it, and they say so when it is missing.
    if (found || tool !== 'jsonnet') tools[tool] = found ?? fileName[tool];
    if (!found && tool !== 'jsonnet') missing.push(missingToolHint(tool));
  }
  return { tools, missing };
}

/** The render tools to use (see findTools); never throws, so a missing tool fails only its apps. */
export function resolveTools(env: NodeJS.ProcessEnv = process.env): RenderTools {
  return findTools(env).tools;
}

/** What a person can do about a tool that is not installed. */
export function missingToolHint(tool: string): string {
  const variable = envVar[tool as ToolName] ?? `TIPHYS_${tool.toUpperCase()}_BIN`;
  return (
    `${tool} is not installed: put it on the PATH, set ${variable} to its path, ` +
    `or in a Tiphys checkout run \`bash testbed/build.sh ${fileName[tool as ToolName] ?? tool}\``
  );
}

/** `~/.cache/tiphys/testbed/<kube version>/bin`, newest version first. */
function testbedBinDirs(env: NodeJS.ProcessEnv): string[] {
  const cacheHome = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
  const root = env.TIPHYS_TESTBED_CACHE || (cacheHome ? join(cacheHome, 'tiphys', 'testbed') : undefined);
  if (!root) return [];
  try {
    return readdirSync(root)
      .filter((name) => /^v\d+\.\d+\.\d+/.test(name))
      .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))
      .map((version) => join(root, version, 'bin'));
  } catch {
    return [];
  }
}

function pathDirs(env: NodeJS.ProcessEnv): string[] {
  // An empty or relative PATH entry means the working folder, which is not a place to trust.
  return (env.PATH ?? '').split(delimiter).filter((dir) => dir !== '' && isAbsolute(dir));
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
