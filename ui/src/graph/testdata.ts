// A resource tree as the API returns it for the guestbook example: a Service, and a Deployment
// owning a ReplicaSet owning two Pods; plus a PreSync hook Job.
import type { TreeNode } from '../api/types.ts';

const ref = (n: TreeNode) => ({
  group: n.group,
  kind: n.kind,
  namespace: n.namespace,
  name: n.name,
  uid: n.uid,
});

export const service: TreeNode = {
  group: '',
  version: 'v1',
  kind: 'Service',
  namespace: 'guestbook',
  name: 'guestbook-ui',
  uid: 'svc-1',
  health: { status: 'Healthy' },
  sync: 'Synced',
  parentRefs: [],
};
export const deployment: TreeNode = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  namespace: 'guestbook',
  name: 'guestbook-ui',
  uid: 'dep-1',
  health: { status: 'Healthy' },
  sync: 'Synced',
  parentRefs: [],
};
export const replicaSet: TreeNode = {
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  namespace: 'guestbook',
  name: 'guestbook-ui-5d8f',
  uid: 'rs-1',
  health: { status: 'Healthy' },
  parentRefs: [ref(deployment)],
};
export const pods: TreeNode[] = ['a', 'b'].map((suffix) => ({
  group: '',
  version: 'v1',
  kind: 'Pod',
  namespace: 'guestbook',
  name: `guestbook-ui-5d8f-${suffix}`,
  uid: `pod-${suffix}`,
  health: { status: 'Healthy' },
  parentRefs: [ref(replicaSet)],
}));
export const hook: TreeNode = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  namespace: 'guestbook',
  name: 'migrate',
  uid: 'job-1',
  hook: true,
  health: { status: 'Healthy' },
  parentRefs: [],
};

/** Children listed before their owners, as nothing in the API promises an order. */
export const guestbookTree: TreeNode[] = [...pods, replicaSet, hook, service, deployment];
