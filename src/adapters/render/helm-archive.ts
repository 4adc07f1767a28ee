// `helm template` of a chart archive fetched from a chart repository or registry (see
// adapters/charts): the archive carries its dependencies (helm package bundles charts/), and
// there is no repository to read value files from, so only inline values and parameters apply.
import { dirname } from 'node:path';
import type { KubeObject } from '../../core/manifest/object.ts';
import { RenderError } from './errors.ts';
import { assertReleaseName, helmTemplate } from './helm.ts';
import { defaultRenderTimeoutMs } from './render.ts';
import type { HelmOptions, RenderTools } from './types.ts';

export interface ArchiveRenderRequest {
  /** The verified archive (its path names its digest). */
  archive: string;
  /** `chart VERSION` for messages. */
  label: string;
  helm?: HelmOptions;
  appName: string;
  namespace?: string;
  kubeVersion?: string;
  tools: RenderTools;
  timeoutMs?: number;
}

export async function renderHelmArchive(req: ArchiveRenderRequest): Promise<KubeObject[]> {
  const options = req.helm ?? {};
  if (options.valueFiles?.length) {
    throw new RenderError(
      `${req.label}: helm value files need a Git repository to read them from; use inline values or parameters`,
      { terminal: true },
    );
  }
  const releaseName = options.releaseName || req.appName;
  assertReleaseName(releaseName);
  return helmTemplate({
    chart: req.archive,
    cwd: dirname(req.archive),
    label: `helm template ${req.label}`,
    releaseName,
    valueFiles: [],
    options,
    namespace: req.namespace,
    kubeVersion: req.kubeVersion,
    helmBin: req.tools.helm,
    timeoutMs: req.timeoutMs ?? defaultRenderTimeoutMs,
  });
}
