import type { KubeObject } from '../manifest/object.ts';
import { conditionsOf, stringAt } from './fields.ts';
import { type HealthResult, healthy, progressing, unknown } from './status.ts';

export function namespaceHealth(obj: KubeObject): HealthResult {
  const phase = stringAt(obj, 'status', 'phase');
  if (phase === undefined || phase === 'Active') return healthy();
  if (phase === 'Terminating') {
    // The conditions say what is still holding the namespace (remaining content, finalizers).
    const blocking = conditionsOf(obj).find((c) => c.status === 'True' && c.message !== '');
    return progressing(
      blocking ? `Namespace is terminating: ${blocking.message}` : 'Namespace is terminating',
    );
  }
  return unknown(`Namespace phase is ${phase}`);
}
