import type { KubeObject } from '../manifest/object.ts';
import { conditionOf } from './fields.ts';
import { degraded, type HealthResult, healthy, progressing } from './status.ts';

export function customResourceDefinitionHealth(obj: KubeObject): HealthResult {
  // Names clash with another CRD: resources of this kind cannot be served until someone fixes it.
  const names = conditionOf(obj, 'NamesAccepted');
  if (names?.status === 'False') return degraded(names.message || 'CRD names are not accepted');
  const nonStructural = conditionOf(obj, 'NonStructuralSchema');
  if (nonStructural?.status === 'True')
    return degraded(nonStructural.message || 'CRD schema is not structural');
  const terminating = conditionOf(obj, 'Terminating');
  if (terminating?.status === 'True') return progressing(terminating.message || 'CRD is terminating');
  if (conditionOf(obj, 'Established')?.status === 'True') return healthy();
  return progressing('Waiting for the CRD to be established');
}
