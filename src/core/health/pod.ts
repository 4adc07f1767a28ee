import type { KubeObject } from '../manifest/object.ts';
import { conditionOf, type Fields, isFields, listAt, numberAt, stringAt } from './fields.ts';
import { degraded, type HealthResult, healthy, progressing, unknown } from './status.ts';

/**
 * Waiting reasons that mean the container will not start without a change: a bad image, a bad
 * configuration, or a crash loop. Kubernetes keeps retrying, but waiting does not help.
 */
const stuckReasons = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

/** ': text', or '' when there is no text. */
const detail = (text: string | undefined, separator = ': ') => (text ? `${separator}${text}` : '');

function containerStatuses(obj: KubeObject): Fields[] {
  return [
    ...listAt(obj, 'status', 'initContainerStatuses'),
    ...listAt(obj, 'status', 'containerStatuses'),
  ].filter(isFields);
}

function stuckContainer(obj: KubeObject): string | undefined {
  for (const container of containerStatuses(obj)) {
    const reason = stringAt(container, 'state', 'waiting', 'reason') ?? '';
    if (stuckReasons.has(reason) || reason.endsWith('BackOff')) {
      const message = stringAt(container, 'state', 'waiting', 'message');
      return `container "${stringAt(container, 'name')}" is waiting: ${reason}${detail(message)}`;
    }
  }
  return undefined;
}

function describeTermination(container: Fields, state: 'state' | 'lastState'): string | undefined {
  const code = numberAt(container, state, 'terminated', 'exitCode');
  if (code === undefined) return undefined;
  const reason = stringAt(container, state, 'terminated', 'reason');
  const message = stringAt(container, state, 'terminated', 'message');
  const because = reason ? ` (${reason})` : '';
  return `container "${stringAt(container, 'name')}" terminated with exit code ${code}${because}${detail(message)}`;
}

function failureMessage(obj: KubeObject): string {
  const terminated = containerStatuses(obj).flatMap((c) => {
    const text = describeTermination(c, 'state');
    return text !== undefined && numberAt(c, 'state', 'terminated', 'exitCode') !== 0 ? [text] : [];
  });
  const message = stringAt(obj, 'status', 'message') ?? stringAt(obj, 'status', 'reason');
  return [message, ...terminated].filter((part) => part).join('; ') || 'Pod failed';
}

/**
 * Pods with restartPolicy Never or OnFailure have a finite life (hooks, job pods), so Running
 * means "not finished" and is Progressing even when ready, as in Argo CD: only Succeeded is
 * Healthy for them. Long-running pods (Always) are Healthy once Ready.
 */
export function podHealth(obj: KubeObject): HealthResult {
  const phase = stringAt(obj, 'status', 'phase');
  if (phase === 'Succeeded') return healthy(stringAt(obj, 'status', 'message') ?? '');
  if (phase === 'Failed') return degraded(failureMessage(obj));
  if (phase !== undefined && phase !== 'Pending' && phase !== 'Running') {
    return unknown(`Pod phase is ${phase}${detail(stringAt(obj, 'status', 'message'))}`);
  }
  const stuck = stuckContainer(obj);
  if (stuck !== undefined) return degraded(stuck);
  if (phase === undefined || phase === 'Pending') {
    const scheduled = conditionOf(obj, 'PodScheduled');
    const why = scheduled?.status === 'False' ? scheduled.message : stringAt(obj, 'status', 'message');
    return progressing(why ? `Pod is pending: ${why}` : 'Pod is pending');
  }
  const restartPolicy = stringAt(obj, 'spec', 'restartPolicy') ?? 'Always';
  if (restartPolicy !== 'Always') return progressing('Pod is running');
  const ready = conditionOf(obj, 'Ready');
  if (ready?.status === 'True') return healthy();
  // Not ready after a container has already died once: it is failing, not starting up.
  for (const container of containerStatuses(obj)) {
    const restarted = describeTermination(container, 'lastState');
    if (restarted !== undefined && container.ready !== true) return degraded(restarted);
  }
  return progressing(ready?.message ? `Pod is not ready: ${ready.message}` : 'Pod is not ready');
}
