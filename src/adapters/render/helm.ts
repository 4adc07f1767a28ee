import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../core/manifest/object.ts';
import { parseManifests } from '../../core/manifest/parse.ts';
import { valueFileRef } from '../../core/model/app-sources.ts';
import { RenderError, RenderToolError } from './errors.ts';
import { runTool, toolEnv } from './exec.ts';
import { assertNoEscapingSymlinks, isFile, resolveInsideRepo } from './paths.ts';
import type { HelmOptions, HelmParameter, ResolvedRequest } from './types.ts';

/** Helm's own rule for release names (lowercase DNS-1123 subdomain, at most 53 characters). */
const releaseNamePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const urlPattern = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * `helm template` of the chart at the app path. Helm gets a HOME, cache, config and data folder
 * of its own, empty, so it reads no repository list or registry login of the host and has
 * nothing to fetch from: a chart must come with its dependencies vendored in charts/.
 */
export async function renderHelm(req: ResolvedRequest): Promise<KubeObject[]> {
  const options = req.source.helm ?? {};
  const releaseName = options.releaseName || req.appName;
  assertReleaseName(releaseName);
  await assertNoEscapingSymlinks(req.repoRoot, req.appDir);
  const valueFiles: string[] = [];
  for (const file of options.valueFiles ?? []) valueFiles.push(await resolveValueFile(req, file));

  return helmTemplate({
    chart: req.appDir,
    cwd: req.appDir,
    label: `helm template ${req.appPath || '.'}`,
    releaseName,
    valueFiles,
    options,
    namespace: req.namespace,
    kubeVersion: req.kubeVersion,
    helmBin: req.tools.helm,
    timeoutMs: req.timeoutMs,
  });
}

export interface HelmTemplateRun {
  /** A chart folder or archive. */
  chart: string;
  cwd: string;
  /** Names the render in messages. */
  label: string;
  releaseName: string;
  valueFiles: string[];
  options: HelmOptions;
  namespace?: string;
  kubeVersion?: string;
  helmBin: string;
  timeoutMs: number;
}

/** `helm template` in a private, empty HOME (see renderHelm). */
export async function helmTemplate(run: HelmTemplateRun): Promise<KubeObject[]> {
  const work = await realpath(await mkdtemp(join(tmpdir(), 'tiphys-helm-')));
  try {
    const home = join(work, 'home');
    await mkdir(home, { mode: 0o700 });
    const valueFiles = [...run.valueFiles];
    if (run.options.values !== undefined && run.options.values.trim() !== '') {
      const inline = join(work, 'values-inline.yaml');
      await writeFile(inline, run.options.values);
      valueFiles.push(inline);
    }
    const args = ['template', run.releaseName, run.chart, '--include-crds'];
    // `--flag=value` keeps a value that starts with '-' from being read as another flag.
    if (run.namespace) args.push(`--namespace=${run.namespace}`);
    if (run.kubeVersion) args.push(`--kube-version=${run.kubeVersion}`);
    for (const file of valueFiles) args.push(`--values=${file}`);
    for (const parameter of run.options.parameters ?? []) args.push(setArgument(parameter));
    const output = await runTool({
      tool: 'helm',
      bin: run.helmBin,
      args,
      cwd: run.cwd,
      env: helmEnv(home),
      timeoutMs: run.timeoutMs,
    }).catch((error: unknown) => {
      throw explainHelmFailure(error);
    });
    return parseManifests(output, run.label);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Helm's folders, all inside a private HOME: no repository list or registry login of the host. */
export function helmEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return toolEnv(home, {
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
    ...extra,
  });
}

/** A release name Helm accepts; checked before anything runs. */
export function assertReleaseName(releaseName: string): void {
  if (!releaseNamePattern.test(releaseName) || releaseName.length > 53) {
    throw new RenderError(
      `helm release name ${JSON.stringify(releaseName)} is invalid: lowercase letters, digits, '-' and '.', at most 53 characters`,
      { terminal: true },
    );
  }
}

/**
 * Value files are relative to the chart; like the app path, they must stay in the repository.
 * `$REF/path` names a file of another source's repository (an app of several sources).
 */
async function resolveValueFile(req: ResolvedRequest, file: string): Promise<string> {
  if (valueFileRef(file)) return resolveRefValueFile(req.valueRefs, file);
  if (urlPattern.test(file)) {
    throw new RenderError(`helm value file ${JSON.stringify(file)}: remote value files are not supported`, {
      terminal: true,
    });
  }
  const real = await resolveInsideRepo(req.repoRoot, req.appDir, file, 'helm value file');
  if (!(await isFile(real))) {
    throw new RenderError(`helm value file ${JSON.stringify(file)} is not a file`, { terminal: true });
  }
  return real;
}

/**
 * A `$REF/path` value file: the path is resolved inside the checkout of the source whose ref is
 * REF, with the same rules as every path of a repository (no absolute path, no `..` above its
 * root, no symlink out of it), and must be a regular file.
 */
export async function resolveRefValueFile(
  refs: Readonly<Record<string, string>> | undefined,
  file: string,
): Promise<string> {
  const named = valueFileRef(file);
  const dir = named && refs && Object.hasOwn(refs, named.ref) ? refs[named.ref] : undefined;
  if (!named || dir === undefined) {
    throw new RenderError(
      `helm value file ${JSON.stringify(file)}: no source of the application has ref ${JSON.stringify(named?.ref ?? file)}`,
      { terminal: true },
    );
  }
  const root = await realpath(dir);
  const real = await resolveInsideRepo(root, root, named.path, `helm value file of $${named.ref}`);
  if (!(await isFile(real))) {
    throw new RenderError(`helm value file ${JSON.stringify(file)} is not a file`, { terminal: true });
  }
  return real;
}

/** One `--set`/`--set-string` argument. */
export function setArgument(parameter: HelmParameter): string {
  if (parameter.name === '' || parameter.name.includes('=')) {
    throw new RenderError(`helm parameter name ${JSON.stringify(parameter.name)} is invalid`, {
      terminal: true,
    });
  }
  const flag = parameter.forceString ? '--set-string' : '--set';
  return `${flag}=${parameter.name}=${escapeSetValue(parameter.value)}`;
}

/**
 * Helm splits `--set` on commas, so a value `a,b` would become two assignments; commas are
 * escaped unless already escaped or the value is a `{x,y}` list, which Argo CD passes as is.
 */
export function escapeSetValue(value: string): string {
  if (value.startsWith('{') && value.endsWith('}')) return value;
  return value.replace(/(\\*),/g, (match, slashes: string) =>
    slashes.length % 2 === 1 ? match : `${slashes}\\,`,
  );
}

function explainHelmFailure(error: unknown): unknown {
  if (error instanceof RenderToolError && /missing in charts\/ directory/.test(error.stderr)) {
    return new RenderToolError(
      'helm',
      error.exitCode,
      error.stderr,
      'the chart has dependencies that are not vendored: run `helm dependency build` and commit charts/',
    );
  }
  return error;
}
