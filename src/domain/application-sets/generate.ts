// An ApplicationSet's generators run and its template applied: the Applications it wants now.
import { type GeneratorSources, runGenerator } from '../../core/appset/generators.ts';
import { GeneratorError } from '../../core/appset/params.ts';
import { renderApplications } from '../../core/appset/render-apps.ts';
import type { Application } from '../../core/model/application.ts';
import type { ApplicationSet } from '../../core/model/application-set.ts';

export type Generation =
  | { ok: true; apps: Application[] }
  /** `kind` says which condition reports it; nothing is changed either way. */
  | { ok: false; kind: 'GeneratorError' | 'TemplateError'; message: string };

export async function generateApplications(
  set: ApplicationSet,
  sources: GeneratorSources,
  ctx: { namespace: string; allowLocalRepos?: boolean },
): Promise<Generation> {
  const paramSets = [];
  try {
    for (const [i, generator] of set.spec.generators.entries()) {
      paramSets.push(...(await runGenerator(generator, sources, `spec.generators[${i}]`)));
    }
  } catch (error) {
    const message =
      error instanceof GeneratorError ? error.message : `a generator failed: ${errorText(error)}`;
    return { ok: false, kind: 'GeneratorError', message };
  }
  const clusters = (await sources.clusters()).map((c) => ({ name: c.name, server: c.server }));
  const { apps, problems } = renderApplications(set, paramSets, { ...ctx, clusters });
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).join('; ');
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
    return { ok: false, kind: 'TemplateError', message: `${shown}${more}` };
  }
  return { ok: true, apps };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
