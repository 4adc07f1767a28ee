// Jsonnet files of a plain directory, evaluated by tiphys-jsonnet (go-jsonnet with an importer
// rooted at the checkout: testbed/go/jsonnet): top-level arguments, external variables and
// library folders (a vendored jsonnet-bundler folder) from the source's `directory.jsonnet`.
// Bounds as for every render: the time limit, the output limit, no file outside the repository
// (absolute imports, `../` out of it and links out of it are refused by the importer), no network
// (Jsonnet has none), a private empty HOME and a scrubbed environment.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../core/manifest/object.ts';
import { parseManifests } from '../../core/manifest/parse.ts';
import { RenderError } from './errors.ts';
import { runTool, toolEnv } from './exec.ts';
import { repoRelative, resolveInsideRepo } from './paths.ts';
import type { JsonnetOptions, JsonnetVar, ResolvedRequest } from './types.ts';

export const jsonnetExtension = /\.jsonnet$/;
const namePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The objects one .jsonnet file evaluates to: an object, or arrays of them (nested arrays flattened). */
export async function renderJsonnetFile(req: ResolvedRequest, file: string): Promise<KubeObject[]> {
  const options = req.source.directory?.jsonnet ?? {};
  const shown = repoRelative(req.repoRoot, file);
  const args = [`--root=${req.repoRoot}`];
  for (const lib of options.libs ?? []) {
    // Library paths are relative to the repository root, as Argo CD reads them.
    args.push(`--jpath=${await resolveInsideRepo(req.repoRoot, req.repoRoot, lib, 'jsonnet library path')}`);
  }
  args.push(...varArgs('ext', options.extVars), ...varArgs('tla', options.tlas), file);
  const home = await mkdtemp(join(tmpdir(), 'tiphys-jsonnet-'));
  try {
    const output = await runTool({
      tool: 'jsonnet',
      bin: jsonnetBin(req),
      args,
      cwd: req.appDir,
      env: toolEnv(home),
      timeoutMs: req.timeoutMs,
    });
    return objectsOf(output, shown);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

function jsonnetBin(req: ResolvedRequest): string {
  return req.tools.jsonnet ?? 'tiphys-jsonnet';
}

function varArgs(kind: 'ext' | 'tla', vars: JsonnetVar[] | undefined): string[] {
  return (vars ?? []).map((v) => {
    if (!namePattern.test(v.name)) {
      throw new RenderError(
        `jsonnet ${kind === 'ext' ? 'external variable' : 'top-level argument'} name ${JSON.stringify(v.name)} is invalid`,
        {
          terminal: true,
        },
      );
    }
    // `--flag=NAME=VALUE` in one argument: a value starting with '-' is never read as a flag.
    return `--${kind}-${v.code ? 'code' : 'str'}=${v.name}=${v.value}`;
  });
}

function objectsOf(output: string, shown: string): KubeObject[] {
  let value: unknown;
  try {
    value = JSON.parse(output);
  } catch (cause) {
    throw new RenderError(`${shown}: jsonnet output is not JSON`, { terminal: true, cause });
  }
  const items = Array.isArray(value) ? value.flat(Number.POSITIVE_INFINITY) : [value];
  if (items.length === 0) return [];
  return parseManifests(items.map((item) => JSON.stringify(item)).join('\n---\n'), shown);
}

export type { JsonnetOptions };
