// Which objects of a cluster an Application's views and operations may touch. The API server (and
// a kubeconfig holder's CLI) can read every object of every cluster; an app's manifests, resource
// tree, diff, events, resource actions and Pod logs must reach only
// what the app itself manages (its tracking id on the object) and its project permits (the
// namespace and kind rules of the project, checked per object as the controller checks a
// render), plus the children its workloads made. Anything else is answered as if it did not
// exist, so a tenant can neither read another team's objects nor learn that they exist.
import { getWithRetry, tiphysPath } from '../../adapters/control-plane/paths.ts';
import { keyOf } from '../../core/manifest/key.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { isTrackedBy } from '../../core/manifest/tracking.ts';
import type { AppProject } from '../../core/model/app-project.ts';
import { type Application, withDefaults } from '../../core/model/application.ts';
import { DEFAULT_PROJECT, IN_CLUSTER } from '../../core/model/common.ts';
import { renderViolations } from '../../core/model/project-policy.ts';
import type { ControlPlane } from '../control-plane.ts';

export interface ObjectRef {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface Visibility {
  /** Whether the app's project permits an object there (namespace and kind). */
  permits(ref: ObjectRef): boolean;
  /** Whether a live object is the app's to show: tracked by it and permitted. */
  owns(obj: KubeObject): boolean;
}

/** Nothing is permitted: the project is gone or unreadable. */
const NOTHING: Visibility = { permits: () => false, owns: () => false };

/**
 * The rules for one app, from its project as it is now (a project narrowed after a sync hides
 * what the app left outside it). Cluster-scoped objects have an empty namespace.
 */
export async function visibilityOf(cp: ControlPlane, app: Application): Promise<Visibility> {
  const projectName = app.spec.project || DEFAULT_PROJECT;
  let project: AppProject;
  try {
    project = await getWithRetry<AppProject>(cp.rest, tiphysPath(cp.namespace, 'appprojects', projectName));
  } catch (error) {
    if ((error as { status?: number }).status === 404) return NOTHING;
    throw error;
  }
  return visibilityFor(app, project);
}

/** The rules for one app under one project (pure). */
export function visibilityFor(app: Application, project: AppProject): Visibility {
  const projectName = project.metadata.name ?? DEFAULT_PROJECT;
  const cluster = withDefaults(app).spec.destination.cluster || IN_CLUSTER;
  const permits = (ref: ObjectRef) =>
    renderViolations(projectName, project.spec, cluster, [{ ...ref, namespaced: ref.namespace !== '' }])
      .length === 0;
  return {
    permits,
    owns: (obj) => isTrackedBy(obj, app.metadata.name) && permits(keyOf(obj)),
  };
}
