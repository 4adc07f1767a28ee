// The writes an ApplicationSet reconcile makes to Applications. Updates replace only what the
// template decides (spec, labels, owner, its own annotations and finalizers); deletions are
// pinned to the uid the set owns, so an app recreated by someone else under the same name in
// between is never deleted.
import type { KubeRest } from '../../adapters/kube/rest.ts';
import type { Application } from '../../core/model/application.ts';
import { TIPHYS_GROUP, TIPHYS_VERSION } from '../../core/model/common.ts';

const appsPath = (namespace: string) =>
  `/apis/${TIPHYS_GROUP}/${TIPHYS_VERSION}/namespaces/${namespace}/applications`;

export async function createApplication(rest: KubeRest, app: Application): Promise<'created' | 'exists'> {
  try {
    await rest.request('POST', appsPath(app.metadata.namespace ?? ''), { body: app });
    return 'created';
  } catch (error) {
    if ((error as { status?: number }).status === 409) return 'exists';
    throw error;
  }
}

export async function updateApplication(
  rest: KubeRest,
  current: Application,
  desired: Application,
): Promise<void> {
  const finalizers = [
    ...new Set([...(current.metadata.finalizers ?? []), ...(desired.metadata.finalizers ?? [])]),
  ];
  const body = [
    // The uid test makes the write fail if the app was replaced since it was read.
    { op: 'test', path: '/metadata/uid', value: current.metadata.uid },
    { op: 'add', path: '/spec', value: desired.spec },
    { op: 'add', path: '/metadata/labels', value: desired.metadata.labels ?? {} },
    {
      op: 'add',
      path: '/metadata/annotations',
      value: { ...current.metadata.annotations, ...desired.metadata.annotations },
    },
    { op: 'add', path: '/metadata/finalizers', value: finalizers },
    {
      op: 'add',
      path: '/metadata/ownerReferences',
      value: (desired.metadata as { ownerReferences?: unknown }).ownerReferences,
    },
  ];
  await rest.request('PATCH', `${appsPath(current.metadata.namespace ?? '')}/${current.metadata.name}`, {
    body,
    contentType: 'application/json-patch+json',
  });
}

/** Deletes an owned app; `preserveResources` first drops its cascade finalizers. */
export async function deleteApplication(
  rest: KubeRest,
  app: Application,
  options: { preserveResources: boolean; cascadeFinalizer: string },
): Promise<void> {
  const path = `${appsPath(app.metadata.namespace ?? '')}/${app.metadata.name}`;
  if (options.preserveResources && app.metadata.finalizers?.includes(options.cascadeFinalizer)) {
    await rest.request('PATCH', path, {
      body: [
        { op: 'test', path: '/metadata/uid', value: app.metadata.uid },
        {
          op: 'add',
          path: '/metadata/finalizers',
          value: app.metadata.finalizers.filter((f) => f !== options.cascadeFinalizer),
        },
      ],
      contentType: 'application/json-patch+json',
    });
  }
  try {
    await rest.request('DELETE', path, {
      body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: app.metadata.uid } },
    });
  } catch (error) {
    if ((error as { status?: number }).status !== 404) throw error;
  }
}
