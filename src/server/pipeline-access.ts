// Who may see a pipeline: `get` on every Application it names, each checked against the app's
// own project (a missing app: the pipeline's). One rule for the list, the read and the live
// stream, so the stream can never show a pipeline the list hides.
import type { Pipeline } from '../core/model/pipeline.ts';
import { appObject } from './app-access.ts';
import type { Identity, RbacAction } from './auth/index.ts';
import type { ServerContext } from './context.ts';

/** Every app a pipeline names, once. */
export const pipelineApps = (pipeline: Pipeline): string[] => [
  ...new Set(pipeline.spec.stages.flatMap((s) => s.applications)),
];

/** The RBAC object each app is checked as: its own project, or the pipeline's when missing. */
export function pipelineAppObjects(
  ctx: ServerContext,
  pipeline: Pipeline,
  names: readonly string[],
): string[] {
  return names.map((name) => {
    const found = ctx.apps.get(name);
    return found ? appObject(found) : `${pipeline.spec.project}/${name}`;
  });
}

/** Whether the caller may do `action` on every one of `objects` (resource `applications`). */
export async function mayOnApps(
  ctx: ServerContext,
  identity: Identity | undefined,
  action: RbacAction,
  objects: readonly string[],
): Promise<boolean> {
  for (const object of objects)
    if (!(await ctx.auth.enforce(identity, 'applications', action, object))) return false;
  return true;
}

/**
 * Whether the caller may see this pipeline at all. Each app is also checked as if it were in the
 * pipeline's project: the same object for a pipeline as admitted, but a pipeline of project B
 * that names apps of project A (written past admission, e.g. with kubectl) stays B's, and A's
 * readers do not see B's repository and history through it.
 */
export function maySeePipeline(
  ctx: ServerContext,
  identity: Identity | undefined,
  pipeline: Pipeline,
): Promise<boolean> {
  const names = pipelineApps(pipeline);
  const asPipelineProject = names.map((name) => `${pipeline.spec.project}/${name}`);
  const objects = new Set([...pipelineAppObjects(ctx, pipeline, names), ...asPipelineProject]);
  return mayOnApps(ctx, identity, 'get', [...objects]);
}
