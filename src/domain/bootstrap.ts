// The self-managing Application of `tiphys bootstrap`: Tiphys's own installation and every other
// app come from one path of one repository. Written with server-side apply under its own field
// manager, so running bootstrap again changes nothing unless the flags changed.
import { tiphysPath } from '../adapters/control-plane/paths.ts';
import type { Application } from '../core/model/application.ts';
import { validateApplication } from '../core/model/application.ts';
import { API_VERSION } from '../core/model/common.ts';
import type { ControlPlane } from './control-plane.ts';
import { InvalidRequestError } from './errors.ts';

export interface BootstrapSpec {
  name: string;
  repoURL: string;
  path: string;
  revision: string;
}

export function bootstrapApplication(namespace: string, spec: BootstrapSpec): Application {
  const app = {
    apiVersion: API_VERSION,
    kind: 'Application',
    metadata: { name: spec.name, namespace, labels: { 'app.kubernetes.io/part-of': 'tiphys' } },
    spec: {
      source: { repoURL: spec.repoURL, path: spec.path, targetRevision: spec.revision },
      destination: { cluster: 'in-cluster', namespace },
      // No prune: a commit that drops a file must not delete Tiphys's own Deployment.
      syncPolicy: { automated: { prune: false, selfHeal: true } },
    },
  } as Application;
  const problems = validateApplication(app);
  if (problems.length > 0)
    throw new InvalidRequestError(`invalid bootstrap Application: ${problems.join('; ')}`);
  return app;
}

/** Applies the Application; says whether it is new, changed, or as it was. */
export async function applyBootstrapApplication(
  cp: ControlPlane,
  app: Application,
): Promise<{ app: Application; outcome: 'created' | 'configured' | 'unchanged' }> {
  const path = tiphysPath(cp.namespace, 'applications', app.metadata.name);
  const before = await cp.rest.request<Application>('GET', path).catch(() => undefined);
  const after = await cp.rest.request<Application>('PATCH', path, {
    body: app,
    query: { fieldManager: 'tiphys-bootstrap', force: 'true' },
    contentType: 'application/apply-patch+yaml',
  });
  const outcome = !before
    ? 'created'
    : before.metadata.resourceVersion === after.metadata.resourceVersion
      ? 'unchanged'
      : 'configured';
  return { app: after, outcome };
}
