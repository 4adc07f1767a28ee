// What a write of an Application by a tenant passes before it is written (the API server calls
// these; a kubeconfig holder is the cluster's admin, checked by the controller as kubectl apply
// would be): a valid spec, and a project that exists and permits its repository and destination,
// with the same rules and words the controller uses. The kinds, known only after rendering, are
// checked by the controller and the comparison service.
import { apiStatus, getWithRetry, tiphysPath } from '../adapters/control-plane/paths.ts';
import type { AppProject } from '../core/model/app-project.ts';
import { repoURLsOf } from '../core/model/app-sources.ts';
import { type Application, validateApplication } from '../core/model/application.ts';
import { DEFAULT_PROJECT, IN_CLUSTER } from '../core/model/common.ts';
import { projectViolations } from '../core/model/project-policy.ts';
import type { ControlPlane } from './control-plane.ts';
import { InvalidRequestError } from './errors.ts';

/**
 * Every problem of the spec at once, so a person fixes them in one go. Local repositories only
 * where the operator allowed them (`--allow-local-repos`).
 */
export function assertValidApplication(app: Application, options: { allowLocalRepos?: boolean } = {}): void {
  const errors = validateApplication(app, options);
  if (errors.length > 0) {
    throw new InvalidRequestError(`invalid application "${app.metadata.name}": ${errors.join('; ')}`);
  }
}

/** Refuses an Application its AppProject does not permit (repository, destination). */
export async function assertProjectPermits(cp: ControlPlane, app: Application): Promise<void> {
  const projectName = app.spec.project || DEFAULT_PROJECT;
  let project: AppProject;
  try {
    project = await getWithRetry<AppProject>(cp.rest, tiphysPath(cp.namespace, 'appprojects', projectName));
  } catch (error) {
    if (apiStatus(error) === 404) {
      throw new InvalidRequestError(`spec.project: project ${projectName} does not exist`);
    }
    throw error;
  }
  const problems = projectViolations(projectName, project.spec, {
    repoURL: repoURLsOf(app.spec),
    cluster: app.spec.destination.cluster || IN_CLUSTER,
    namespace: app.spec.destination.namespace ?? '',
  });
  if (problems.length > 0) throw new InvalidRequestError(`not permitted: ${problems.join('; ')}`);
}

/** Both checks, in the order a person fixes them. */
export async function admitApplication(
  cp: ControlPlane,
  app: Application,
  options: { allowLocalRepos?: boolean } = {},
): Promise<void> {
  assertValidApplication(app, options);
  await assertProjectPermits(cp, app);
}
