// Parameter sets turned into Applications: the set's template (with a generator's override
// merged in) substituted with each set's params, Argo CD's destination mapped to a Cluster, and
// the result checked as any Application is. A set whose template cannot make a valid app for
// some params is reported, never half-applied (plan.ts refuses the whole generation).

import { APPLICATION_KIND, type Application, validateApplication } from '../model/application.ts';
import { RESOURCES_FINALIZER } from '../model/application-markers.ts';
import type { ApplicationSet } from '../model/application-set.ts';
import { type ClusterAddress, fromArgoFinalizers, fromArgoSpec } from '../model/argocd-compat.ts';
import { API_VERSION } from '../model/common.ts';
import type { ParamSet } from './generators.ts';
import { mergeTemplate, renderTemplate, unresolvedTags } from './template.ts';

/** Label on every generated Application naming its set (ownerReferences say it too, by uid). */
export const APPLICATION_SET_LABEL = 'tiphys.dev/application-set';

export interface RenderContext {
  namespace: string;
  clusters: ClusterAddress[];
  allowLocalRepos?: boolean;
}

export interface RenderedApps {
  apps: Application[];
  /** One line per parameter set that made no valid Application; empty when all did. */
  problems: string[];
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function renderApplications(
  set: ApplicationSet,
  paramSets: ParamSet[],
  ctx: RenderContext,
): RenderedApps {
  const apps: Application[] = [];
  const problems: string[] = [];
  const preserve = set.spec.syncPolicy?.preserveResourcesOnDeletion === true;
  for (const { params, template } of paramSets) {
    const merged = mergeTemplate(set.spec.template, template);
    const rendered = renderTemplate(merged, params);
    const label = rendered.metadata.name || JSON.stringify(params).slice(0, 120);
    const unresolved = unresolvedTags(rendered);
    if (unresolved.length > 0) {
      problems.push(`${label}: ${unresolved.join(', ')} names no parameter of this generator`);
      continue;
    }
    const name = rendered.metadata.name ?? '';
    if (!NAME.test(name) || name.length > 253) {
      problems.push(`${label}: generated name ${JSON.stringify(name)} is not a valid object name`);
      continue;
    }
    const converted = fromArgoSpec(rendered.spec, ctx.clusters);
    if ('problem' in converted) {
      problems.push(`${name}: ${converted.problem}`);
      continue;
    }
    const written = fromArgoFinalizers(rendered.metadata.finalizers, RESOURCES_FINALIZER) ?? [];
    // Argo CD's rule: a generated app carries the cascade finalizer, so the set deleting it (an
    // element gone, the set itself deleted) deletes its resources too, unless the set preserves
    // them; then it never carries it, even when the template lists it.
    const finalizers = preserve
      ? written.filter((f) => f !== RESOURCES_FINALIZER)
      : [...new Set([...written, RESOURCES_FINALIZER])];
    const app = {
      apiVersion: API_VERSION,
      kind: APPLICATION_KIND,
      metadata: {
        name,
        namespace: ctx.namespace,
        labels: { ...rendered.metadata.labels, [APPLICATION_SET_LABEL]: set.metadata.name },
        ...(rendered.metadata.annotations ? { annotations: rendered.metadata.annotations } : {}),
        ...(finalizers.length > 0 ? { finalizers } : {}),
      },
      spec: converted.spec,
    } as unknown as Application;
    const invalid = validateApplication(app, { allowLocalRepos: ctx.allowLocalRepos });
    if (invalid.length > 0) {
      problems.push(`${name}: ${invalid.join('; ')}`);
      continue;
    }
    apps.push(app);
  }
  return { apps, problems };
}
