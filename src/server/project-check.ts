import type { AppProject } from '../core/model/app-project.ts';
import type { Application } from '../core/model/application.ts';
import { DEFAULT_PROJECT, IN_CLUSTER } from '../core/model/common.ts';
import { projectViolations } from '../core/model/project-policy.ts';
import { kubeGet, type ServerContext, tiphysResourcePath } from './context.ts';
import { badRequest } from './http-error.ts';

/**
 * The API refuses an Application its AppProject does not permit (repository, destination)
 * before it is written, with the same rules and words the controller uses; the kinds, known
 * only after rendering, are checked by the controller.
 */
export async function assertProjectPermits(ctx: ServerContext, app: Application): Promise<void> {
  const projectName = app.spec.project || DEFAULT_PROJECT;
  let project: AppProject;
  try {
    project = await kubeGet<AppProject>(ctx, tiphysResourcePath(ctx, 'appprojects', projectName));
  } catch (error) {
    if ((error as { status?: number }).status === 404) {
      throw badRequest(`spec.project: project ${projectName} does not exist`);
    }
    throw error;
  }
  const problems = projectViolations(projectName, project.spec, {
    repoURL: app.spec.source.repoURL,
    cluster: app.spec.destination.cluster || IN_CLUSTER,
    namespace: app.spec.destination.namespace ?? '',
  });
  if (problems.length > 0) throw badRequest(`not permitted: ${problems.join('; ')}`);
}
