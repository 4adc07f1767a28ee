import type { KubeObject } from '../manifest/object.ts';
import { type Condition, conditionOf, isFields, numberAt, valueAt } from './fields.ts';
import { degraded, type HealthResult, healthy, progressing } from './status.ts';

/**
 * The rules of the generic check, in the order they are tried. Each has fixtures in testdata/
 * (annotation `tiphys.test/generic-rule`), and the test checks that every rule has one.
 */
export const genericHealthRules = [
  'observed-generation',
  'stalled',
  'reconciling',
  'ready-true',
  'ready-false-progressing',
  'ready-false',
  'ready-unknown',
  'available-true',
  'available-false-progressing',
  'available-false',
  'available-unknown',
] as const;

export type GenericHealthRule = (typeof genericHealthRules)[number];

export interface GenericHealth {
  rule: GenericHealthRule;
  result: HealthResult;
}

/**
 * Reasons that say a controller is still on its way, not stuck: a Ready=False with one of these
 * is Progressing. Any other reason (ReconciliationFailed, InvalidSpec, BackOff…) is Degraded,
 * since a controller that knew it was merely busy would have said so.
 */
const onItsWay =
  /^(Progressing|InProgress|Pending|Creating|Provisioning|Reconciling|Initializing|Deploying|Updating|Upgrading|Scaling|Starting|Waiting|Issuing|Processing|Building|Fetching|Installing|DependencyNotReady|NotReady)/i;

const describe = (condition: Condition, fallback: string) =>
  condition.message || condition.reason || fallback;

function fromReadiness(condition: Condition, kind: 'ready' | 'available'): GenericHealth | null {
  const name = kind === 'ready' ? 'Ready' : 'Available';
  if (condition.status === 'True') return { rule: `${kind}-true`, result: healthy(condition.message) };
  if (condition.status === 'False') {
    if (onItsWay.test(condition.reason)) {
      return { rule: `${kind}-false-progressing`, result: progressing(describe(condition, `Not ${name}`)) };
    }
    return { rule: `${kind}-false`, result: degraded(describe(condition, `${name} is False`)) };
  }
  return { rule: `${kind}-unknown`, result: progressing(describe(condition, `Waiting for ${name}`)) };
}

/**
 * Health of any object from the conventions most controllers follow in their status (those of
 * Kubernetes' API conventions and kstatus): a status for an older generation, Stalled, then
 * Reconciling, then the Ready or Available condition. null when the status says none of these,
 * including an object with no status at all: Argo CD reports such a kind as merely existing
 * (Healthy), and so does Tiphys.
 */
export function genericHealthWithRule(obj: KubeObject): GenericHealth | null {
  const status = valueAt(obj, 'status');
  if (!isFields(status) || Object.keys(status).length === 0) return null;
  const generation = obj.metadata.generation;
  const observed = numberAt(status, 'observedGeneration');
  if (typeof generation === 'number' && observed !== undefined && observed < generation) {
    return {
      rule: 'observed-generation',
      result: progressing(
        `Waiting for the controller: observed generation ${observed} is older than desired generation ${generation}`,
      ),
    };
  }
  const stalled = conditionOf(obj, 'Stalled');
  if (stalled?.status === 'True') return { rule: 'stalled', result: degraded(describe(stalled, 'Stalled')) };
  const reconciling = conditionOf(obj, 'Reconciling');
  if (reconciling?.status === 'True') {
    return { rule: 'reconciling', result: progressing(describe(reconciling, 'Reconciling')) };
  }
  const ready = conditionOf(obj, 'Ready');
  if (ready) return fromReadiness(ready, 'ready');
  const available = conditionOf(obj, 'Available');
  if (available) return fromReadiness(available, 'available');
  return null;
}

export function genericHealth(obj: KubeObject): HealthResult | null {
  return genericHealthWithRule(obj)?.result ?? null;
}
