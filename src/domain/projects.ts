// AppProjects: read, create, replace and delete, the same way for the CLI (with a kubeconfig) and
// the API server. A project Applications still use is not deleted: they could no longer sync.
import { apiStatus, getWithRetry, tiphysPath } from '../adapters/control-plane/paths.ts';
import { type AppProject, validateAppProject } from '../core/model/app-project.ts';
import { withDefaults } from '../core/model/application.ts';
import { listApplications } from './applications.ts';
import type { ControlPlane } from './control-plane.ts';
import { ConflictError, InvalidRequestError, NotFoundError } from './errors.ts';

const PLURAL = 'appprojects';

export class ProjectInUseError extends ConflictError {
  override name = 'ProjectInUseError';
  readonly applications: string[];
  constructor(project: string, applications: string[]) {
    const shown = applications.slice(0, 10).join(', ') + (applications.length > 10 ? ', …' : '');
    super(`project "${project}" is used by ${applications.length} application(s): ${shown}`);
    this.applications = applications;
  }
}

/** Every problem of the spec at once. */
export function assertValidProject(project: AppProject): void {
  const errors = validateAppProject(project);
  if (errors.length > 0) {
    throw new InvalidRequestError(`invalid project "${project.metadata.name}": ${errors.join('; ')}`);
  }
}

export async function getProject(cp: ControlPlane, name: string): Promise<AppProject> {
  try {
    return await getWithRetry<AppProject>(cp.rest, tiphysPath(cp.namespace, PLURAL, name));
  } catch (error) {
    if (apiStatus(error) === 404 && !/could not find the requested/.test(String(error))) {
      throw new NotFoundError(`project "${name}" not found in namespace ${cp.namespace}`);
    }
    throw error;
  }
}

/** The AppProjects, sorted by name. */
export async function listProjects(cp: ControlPlane): Promise<AppProject[]> {
  const list = await getWithRetry<{ items: AppProject[] }>(cp.rest, tiphysPath(cp.namespace, PLURAL));
  return list.items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

export async function createProject(cp: ControlPlane, project: AppProject): Promise<AppProject> {
  assertValidProject(project);
  try {
    return await cp.rest.request<AppProject>('POST', tiphysPath(cp.namespace, PLURAL), { body: project });
  } catch (error) {
    if (apiStatus(error) !== 409) throw error;
    throw new ConflictError(`project "${project.metadata.name}" already exists in namespace ${cp.namespace}`);
  }
}

/** Replaces the AppProject; its resourceVersion guards against undoing a concurrent change. */
export function replaceProject(cp: ControlPlane, project: AppProject): Promise<AppProject> {
  assertValidProject(project);
  return cp.rest.request<AppProject>('PUT', tiphysPath(cp.namespace, PLURAL, project.metadata.name), {
    body: project,
  });
}

/** Deletes the AppProject unless an Application uses it (then says which). */
export async function deleteProject(cp: ControlPlane, name: string): Promise<void> {
  await getProject(cp, name);
  const users = (await listApplications(cp))
    .filter((app) => withDefaults(app).spec.project === name)
    .map((app) => app.metadata.name);
  if (users.length > 0) throw new ProjectInUseError(name, users);
  await cp.rest.request('DELETE', tiphysPath(cp.namespace, PLURAL, name));
}
