// The objects that make a cluster a Tiphys control cluster: what `tiphys install` applies and what
// deploy/ ships, built in one place so the two cannot drift apart.
import { type AppProject, defaultAppProject } from './app-project.ts';
import { DEFAULT_CONTROL_NAMESPACE, PART_OF_LABEL } from './common.ts';
import { type CustomResourceDefinition, tiphysCrds } from './crd.ts';

export interface NamespaceObject {
  apiVersion: 'v1';
  kind: 'Namespace';
  metadata: { name: string; labels: Record<string, string> };
}

export interface ControlPlaneObjects {
  crds: CustomResourceDefinition[];
  namespace: NamespaceObject;
  defaultProject: AppProject;
}

export function controlPlaneObjects(namespace: string = DEFAULT_CONTROL_NAMESPACE): ControlPlaneObjects {
  return {
    crds: tiphysCrds(),
    namespace: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace, labels: { ...PART_OF_LABEL } },
    },
    defaultProject: defaultAppProject(namespace),
  };
}
