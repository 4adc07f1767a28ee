// ApplicationSets as the API shows them (docs/fleet.md).
import type { Condition } from './application.ts';

export interface ApplicationSetAppStatus {
  application: string;
  step?: number;
  status: string;
  message?: string;
}

/** An ApplicationSet as the API shows it: only the generated apps the user may see are listed. */
export interface ApplicationSet {
  metadata: { name: string; uid?: string; creationTimestamp?: string };
  spec: {
    generators: Record<string, unknown>[];
    template: { metadata: { name?: string; labels?: Record<string, string> }; spec: { project?: string } };
    syncPolicy?: { applicationsSync?: string; preserveResourcesOnDeletion?: boolean };
    strategy?: {
      type: 'AllAtOnce' | 'RollingSync';
      rollingSync?: {
        steps: {
          matchExpressions?: { key: string; operator: string; values?: string[] }[];
          maxUpdate?: number | string;
        }[];
      };
    };
  };
  status?: {
    conditions?: Condition[];
    applicationStatus?: ApplicationSetAppStatus[];
    rollout?: { revision: string; phase: string; step?: number; message?: string; accepted?: string[] };
    generatedAt?: string;
    observedGeneration?: number;
  };
}
