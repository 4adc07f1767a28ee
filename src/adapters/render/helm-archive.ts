// `helm template` of a chart archive fetched from a chart repository or registry (see
// adapters/charts): the archive carries its dependencies (helm package bundles charts/). Value
// files come from the chart itself (`values-prod.yaml`, read from the verified archive) or from a
// Git source of the same app (`$REF/path`, spec.sources), never from the host.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { KubeObject } from '../../core/manifest/object.ts';
import { valueFileRef } from '../../core/model/app-sources.ts';
import { chartValueFiles } from './chart-value-files.ts';
import { EmptyChartRenderError } from './empty-render.ts';
import { assertReleaseName, helmTemplate, resolveRefValueFile } from './helm.ts';
import { defaultRenderTimeoutMs } from './render.ts';
import type { HelmOptions, RenderTools } from './types.ts';

export interface ArchiveRenderRequest {
  /** The verified archive (its path names its digest). */
  archive: string;
  /** `chart VERSION` for messages. */
  label: string;
  helm?: HelmOptions;
  /** Checkouts of the app's ref sources, for `$REF/path` value files. */
  valueRefs?: Readonly<Record<string, string>>;
  /** A chart that renders no object is accepted (the source's `allowEmpty`). */
  allowEmpty?: boolean;
  appName: string;
  namespace?: string;
  kubeVersion?: string;
  tools: RenderTools;
  timeoutMs?: number;
}

export async function renderHelmArchive(req: ArchiveRenderRequest): Promise<KubeObject[]> {
  const options = req.helm ?? {};
  const private_ = await mkdtemp(join(tmpdir(), 'tiphys-chart-values-'));
  try {
    const files = options.valueFiles ?? [];
    const own = await chartValueFiles(
      req.archive,
      files.filter((file) => !valueFileRef(file)),
      req.label,
      private_,
    );
    // In the order the spec lists them: later files override earlier ones.
    const valueFiles: string[] = [];
    for (const file of files)
      valueFiles.push(
        valueFileRef(file) ? await resolveRefValueFile(req.valueRefs, file) : (own.shift() as string),
      );
    const releaseName = options.releaseName || req.appName;
    assertReleaseName(releaseName);
    const objects = await helmTemplate({
      chart: req.archive,
      cwd: dirname(req.archive),
      label: `helm template ${req.label}`,
      releaseName,
      valueFiles,
      options,
      namespace: req.namespace,
      kubeVersion: req.kubeVersion,
      helmBin: req.tools.helm,
      timeoutMs: req.timeoutMs ?? defaultRenderTimeoutMs,
    });
    // As for a Git path (empty-render.ts): a chart that renders nothing with these values is
    // almost always a mistake (a values key that disables everything, a library chart).
    if (objects.length === 0 && !req.allowEmpty) throw new EmptyChartRenderError(req.label);
    return objects;
  } finally {
    await rm(private_, { recursive: true, force: true });
  }
}
