import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { stringify } from 'yaml';
import type { KubeObject } from '../../core/manifest/object.ts';
import { parseManifests } from '../../core/manifest/parse.ts';
import { RenderError } from './errors.ts';
import { runTool, toolEnv } from './exec.ts';
import { checkKustomizeSources } from './kustomize-sources.ts';
import type { KustomizeOptions, ResolvedRequest } from './types.ts';

/** An entry of a kustomization's `images:` list. */
export interface KustomizeImage {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

/**
 * `kustomize build` of the app path. Options from the Application go into a kustomization of
 * our own, in a temporary folder, whose only resource is the app path: the checkout is a cache
 * shared by every Application of the repository and is never written to. The app path is
 * referenced by a relative path because kustomize refuses absolute ones; the default load
 * restrictor stays on (no `--load-restrictor` flag is ever passed), so files outside a
 * kustomization's own folder remain refused. Bases and files are checked first
 * (kustomize-sources.ts): local ones stay in the repository, remote ones need the project's
 * consent, and kustomize's git may use only https and ssh (http only for a remote base the
 * project allowed over http), or no transport at all when nothing remote was allowed.
 */
export async function renderKustomize(
  req: ResolvedRequest,
): Promise<{ objects: KubeObject[]; remoteSources: string[] }> {
  const sources = await checkKustomizeSources(req.repoRoot, req.appDir, req.remoteSources ?? []);
  const work = await realpath(await mkdtemp(join(tmpdir(), 'tiphys-kustomize-')));
  try {
    const home = join(work, 'home');
    await mkdir(home, { mode: 0o700 });
    let buildDir = req.appDir;
    const options = req.source.kustomize;
    if (options !== undefined && hasOverrides(options)) {
      buildDir = join(work, 'overlay');
      await mkdir(buildDir);
      const resource = relative(buildDir, req.appDir).split(sep).join('/');
      await writeFile(
        join(buildDir, 'kustomization.yaml'),
        stringify(overlayKustomization(resource, options)),
      );
    }
    const output = await runTool({
      tool: 'kustomize',
      bin: req.tools.kustomize,
      args: ['build', buildDir],
      cwd: buildDir,
      env: toolEnv(home, { XDG_CONFIG_HOME: join(home, '.config'), ...kustomizeGitEnv(sources.remote) }),
      timeoutMs: req.timeoutMs,
    });
    return {
      objects: parseManifests(output, `kustomize build ${req.appPath || '.'}`),
      remoteSources: sources.remote,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * How kustomize's git may fetch: the transports of the remote bases the project allowed, and
 * none when there are none. ssh reads no configuration or key of this machine.
 */
export function kustomizeGitEnv(remote: readonly string[]): Record<string, string> {
  const protocols = remote.length === 0 ? ['none'] : ['https', 'ssh'];
  if (remote.some((address) => /^(git::)?http:\/\//i.test(address))) protocols.push('http');
  return {
    GIT_ALLOW_PROTOCOL: protocols.join(':'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_SSH_COMMAND:
      'ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityFile=none -o StrictHostKeyChecking=yes',
  };
}

function hasOverrides(options: KustomizeOptions): boolean {
  return Object.values(options).some((value) =>
    typeof value === 'object' && value !== null
      ? Object.keys(value).length > 0
      : value !== undefined && value !== '',
  );
}

/** The kustomization that applies the Application's options on top of the app path. */
export function overlayKustomization(resource: string, options: KustomizeOptions): Record<string, unknown> {
  const kustomization: Record<string, unknown> = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [resource],
  };
  if (options.namespace) kustomization.namespace = options.namespace;
  if (options.namePrefix) kustomization.namePrefix = options.namePrefix;
  if (options.nameSuffix) kustomization.nameSuffix = options.nameSuffix;
  // commonLabels (not `labels`) because it also sets selectors, which is what Argo CD users expect.
  if (options.commonLabels && Object.keys(options.commonLabels).length > 0) {
    kustomization.commonLabels = { ...options.commonLabels };
  }
  if (options.commonAnnotations && Object.keys(options.commonAnnotations).length > 0) {
    kustomization.commonAnnotations = { ...options.commonAnnotations };
  }
  if (options.images && options.images.length > 0) kustomization.images = options.images.map(parseImage);
  return kustomization;
}

/**
 * Reads Argo CD's image override syntax: `[old=]new[:tag]` or `[old=]new[@digest]`, e.g.
 * `nginx:1.27`, `nginx=registry.local/nginx:1.27`, `nginx@sha256:…`.
 */
export function parseImage(spec: string): KustomizeImage {
  const equals = spec.indexOf('=');
  const oldName = equals >= 0 ? spec.slice(0, equals) : undefined;
  const value = equals >= 0 ? spec.slice(equals + 1) : spec;
  let reference = value;
  let newTag: string | undefined;
  let digest: string | undefined;
  const at = value.indexOf('@');
  if (at >= 0) {
    reference = value.slice(0, at);
    digest = value.slice(at + 1);
  } else {
    // A colon before the last slash belongs to a registry port (localhost:5000/app), not a tag.
    const colon = value.lastIndexOf(':');
    if (colon > value.lastIndexOf('/')) {
      reference = value.slice(0, colon);
      newTag = value.slice(colon + 1);
    }
  }
  const name = oldName ?? reference;
  if (name === '' || reference === '' || newTag === '' || digest === '') {
    throw new RenderError(`kustomize image ${JSON.stringify(spec)} is not [old=]name[:tag|@digest]`, {
      terminal: true,
    });
  }
  const image: KustomizeImage = { name };
  if (reference !== name) image.newName = reference;
  if (newTag !== undefined) image.newTag = newTag;
  if (digest !== undefined) image.digest = digest;
  return image;
}
