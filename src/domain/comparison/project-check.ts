import { repoURLsOf } from '../../core/model/app-sources.ts';
import type { ResolvedApplication } from '../../core/model/application.ts';
import { projectViolations, renderViolations } from '../../core/model/project-policy.ts';
import type { DesiredObject } from './desired-state.ts';
import { ProjectViolationError } from './errors.ts';
import type { ProjectSource } from './ports.ts';

/**
 * The AppProject's wall, checked on the completed objects of a render (namespaces defaulted,
 * hooks included) before anything is dry-run, applied or shown: the app's repository and
 * destination, then every object's namespace and kind.
 */
export async function assertProjectPermits(
  projects: ProjectSource,
  app: ResolvedApplication,
  desired: readonly DesiredObject[],
): Promise<void> {
  const name = app.spec.project;
  const project = await projects.fetchProject(name);
  if (!project) throw new ProjectViolationError(`project ${name} does not exist`);
  const { cluster, namespace } = app.spec.destination;
  const problems = [
    ...projectViolations(name, project.spec, {
      repoURL: repoURLsOf(app.spec),
      cluster,
      namespace: namespace ?? '',
    }),
    ...renderViolations(
      name,
      project.spec,
      cluster,
      desired.map((item) => ({
        ...item.key,
        name: item.key.name || generatedName(item),
        namespaced: item.namespaced,
      })),
    ),
  ];
  if (problems.length > 0) throw new ProjectViolationError(`not permitted: ${problems.join('; ')}`);
}

/**
 * The part of the wall that needs no render: the app's repositories and destination. Checked
 * before a source is contacted (a revision resolved, a chart or artifact pulled), so an app
 * naming a repository or registry its project refuses never makes Tiphys read from it.
 */
export async function assertSourcesPermitted(
  projects: ProjectSource,
  app: ResolvedApplication,
): Promise<void> {
  const name = app.spec.project;
  const project = await projects.fetchProject(name);
  if (!project) throw new ProjectViolationError(`project ${name} does not exist`);
  const { cluster, namespace } = app.spec.destination;
  const problems = projectViolations(name, project.spec, {
    repoURL: repoURLsOf(app.spec),
    cluster,
    namespace: namespace ?? '',
  });
  if (problems.length > 0) throw new ProjectViolationError(`not permitted: ${problems.join('; ')}`);
}

const generatedName = (item: DesiredObject) => {
  const prefix = item.object.metadata.generateName;
  return prefix ? `${prefix}*` : '';
};
