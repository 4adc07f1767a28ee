// Where a fleet bench phase spent its time: the CPU of each testbed component (summed over the
// clusters) and of the controller, and the API servers' requests by verb and resource, read from
// their own `apiserver_request_total` counters. Printed per phase, so a change to the controller
// shows which requests it saved and which process's CPU it freed.
import type { KubeRest } from '../src/adapters/kube/rest.ts';
import type { TestCluster } from '../testbed/src/cluster.ts';
import type { ComponentName } from '../testbed/src/component.ts';
import { CLOCK_TICKS_PER_SECOND, cpuTicksOf } from './gitops.ts';

const COMPONENTS: ComponentName[] = ['kube-apiserver', 'etcd', 'kube-controller-manager', 'kwok'];

export interface ProbeSample {
  /** CPU ticks by process ('controller' or a testbed component, summed over clusters). */
  ticks: Map<string, number>;
  /** Requests by "VERB resource[/subresource]", summed over the API servers. */
  requests: Map<string, number>;
}

/** Sums `apiserver_request_total` by verb and resource (subresource appended). */
export function requestCounts(metricsText: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = line.slice(line.indexOf('{') + 1, line.lastIndexOf('}'));
    const label = (name: string) => new RegExp(`(?:^|,)${name}="([^"]*)"`).exec(labels)?.[1] ?? '';
    const value = Number(line.slice(line.lastIndexOf('}') + 1).trim());
    const subresource = label('subresource');
    const key = `${label('verb')} ${label('resource')}${subresource ? `/${subresource}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + value);
  }
  return counts;
}

export async function probe(
  clusters: readonly { cluster: TestCluster; rest: KubeRest }[],
  controllerPid: number,
): Promise<ProbeSample> {
  const ticks = new Map<string, number>([['controller', cpuTicksOf(controllerPid)]]);
  const requests = new Map<string, number>();
  for (const { cluster, rest } of clusters) {
    for (const name of COMPONENTS) {
      const pid = cluster.component(name).pid;
      if (pid !== undefined) ticks.set(name, (ticks.get(name) ?? 0) + cpuTicksOf(pid));
    }
    const text = await rest.request<string>('GET', '/metrics');
    for (const [key, value] of requestCounts(text)) requests.set(key, (requests.get(key) ?? 0) + value);
  }
  return { ticks, requests };
}

/** Prints what happened between two samples: CPU seconds per process, the top requests. */
export function printProbe(phase: string, before: ProbeSample, after: ProbeSample, apps: number): void {
  const cpu = [...after.ticks]
    .map(
      ([name, value]) =>
        `${name} ${((value - (before.ticks.get(name) ?? 0)) / CLOCK_TICKS_PER_SECOND).toFixed(1)} s`,
    )
    .join(', ');
  console.log(`${phase}: CPU ${cpu}`);
  const deltas = [...after.requests]
    .map(([key, value]) => [key, value - (before.requests.get(key) ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  const total = deltas.reduce((sum, [, n]) => sum + n, 0);
  console.log(`${phase}: ${total} API requests (${(total / apps).toFixed(1)} per app); top:`);
  for (const [key, n] of deltas.slice(0, 14))
    console.log(`  ${key}: ${n} (${(n / apps).toFixed(2)} per app)`);
}
