import { realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { renderDirectory } from './directory.ts';
import { assertRenderedSomething } from './empty-render.ts';
import { RenderError } from './errors.ts';
import { renderHelm } from './helm.ts';
import { renderKustomize } from './kustomize.ts';
import { isFile, repoRelative, resolveInsideRepo } from './paths.ts';
import type { RendererName, RenderRequest, RenderResult, RenderSource, ResolvedRequest } from './types.ts';

export {
  cachedRender,
  RenderCache,
  type RenderCacheKeyInput,
  renderCacheKey,
  treeRenderKey,
} from './cache.ts';
export { EMPTY_MARKER, EmptyRenderError } from './empty-render.ts';
export { PathOutsideRepoError, RenderError, RenderTimeoutError, RenderToolError } from './errors.ts';
export { assertRemoteSourcesAllowed } from './kustomize-sources.ts';
export { findTools, missingToolHint, resolveTools } from './tools.ts';
export type * from './types.ts';

/** Argo CD's default for generating manifests; a chart that needs longer is almost always stuck. */
export const defaultRenderTimeoutMs = 90_000;

const kustomizationFiles = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/**
 * Turns an app path of a checked-out repository into the Kubernetes objects it declares. A
 * render that finds none is an EmptyRenderError unless the path holds `.tiphys-empty`.
 */
export async function renderManifests(req: RenderRequest): Promise<RenderResult> {
  let repoRoot: string;
  try {
    repoRoot = await realpath(req.repoDir);
  } catch (cause) {
    // The checkout is ours to provide, so its absence is not the repository's fault.
    throw new RenderError(`repository checkout ${req.repoDir} is missing`, { terminal: false, cause });
  }
  const appDir = await resolveInsideRepo(repoRoot, repoRoot, req.path || '.', 'app path');
  if (!(await stat(appDir)).isDirectory()) {
    throw new RenderError(`app path ${JSON.stringify(req.path)} is not a directory`, { terminal: true });
  }
  const renderer = await detectRenderer(appDir, req.source);
  const resolved = {
    ...req,
    repoRoot,
    appDir,
    appPath: repoRelative(repoRoot, appDir),
    timeoutMs: req.timeoutMs ?? defaultRenderTimeoutMs,
  };
  const result = await renderWith(renderer, resolved);
  await assertRenderedSomething(resolved, renderer, result.objects.length);
  return result;
}

async function renderWith(renderer: RendererName, resolved: ResolvedRequest): Promise<RenderResult> {
  switch (renderer) {
    case 'helm':
      return { renderer, objects: await renderHelm(resolved) };
    case 'kustomize': {
      const { objects, remoteSources } = await renderKustomize(resolved);
      return remoteSources.length > 0 ? { renderer, objects, remoteSources } : { renderer, objects };
    }
    case 'directory': {
      const { objects, selfContained } = await renderDirectory(resolved);
      return selfContained ? { renderer, objects, selfContained } : { renderer, objects };
    }
  }
}

/**
 * The renderer the source's options name, else what the folder holds: a Chart.yaml means helm,
 * a kustomization means kustomize, anything else is plain manifests.
 */
export async function detectRenderer(appDir: string, source: RenderSource): Promise<RendererName> {
  const named = (['helm', 'kustomize', 'directory'] as const).filter((name) => source[name] !== undefined);
  if (named.length > 1) {
    throw new RenderError(`the source has options for more than one renderer: ${named.join(', ')}`, {
      terminal: true,
    });
  }
  if (named.length === 1) return named[0];
  if (await isFile(join(appDir, 'Chart.yaml'))) return 'helm';
  for (const name of kustomizationFiles) if (await isFile(join(appDir, name))) return 'kustomize';
  return 'directory';
}
