import { type ApiEndpoint, apiRequest } from './kube-http.ts';

export function nodeName(index: number): string {
  return `kwok-node-${index}`;
}

/** Registers the fake Nodes kwok will keep Ready. Creating one that exists is fine (restart). */
export async function ensureBootstrapObjects(endpoint: ApiEndpoint, nodes: number): Promise<void> {
  for (let i = 0; i < nodes; i++) {
    const name = nodeName(i);
    const res = await apiRequest(endpoint, 'POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'node-role.kubernetes.io/agent': '',
          type: 'kwok',
        },
      },
      status: {
        capacity: { cpu: '32', memory: '256Gi', pods: '1000' },
        allocatable: { cpu: '32', memory: '256Gi', pods: '1000' },
      },
    });
    if (res.status !== 201 && res.status !== 409) {
      throw new Error(
        `testbed: creating Node ${name} failed with HTTP ${res.status}: ${JSON.stringify(res.body)}`,
      );
    }
  }
}

interface NodeStatus {
  status?: { conditions?: { type: string; status: string }[] };
}

/**
 * A cluster can run workloads when every fake Node is Ready (kwok plays the kubelet) and the
 * `default` ServiceAccount exists (the controller-manager creates it; Pods need it).
 */
export async function waitForClusterReady(
  endpoint: ApiEndpoint,
  nodes: number,
  timeoutMs: number,
  hint: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let waitingFor = '';
  while (Date.now() < deadline) {
    waitingFor = await firstUnready(endpoint, nodes).catch((error: Error) => error.message);
    if (waitingFor === '') return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `testbed: cluster not ready within ${timeoutMs / 1000} s: waiting for ${waitingFor}\n${hint()}`,
  );
}

async function firstUnready(endpoint: ApiEndpoint, nodes: number): Promise<string> {
  for (let i = 0; i < nodes; i++) {
    const res = await apiRequest(endpoint, 'GET', `/api/v1/nodes/${nodeName(i)}`);
    const ready = (res.body as NodeStatus).status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status !== 'True') return `Node ${nodeName(i)} to be Ready`;
  }
  const sa = await apiRequest(endpoint, 'GET', '/api/v1/namespaces/default/serviceaccounts/default');
  if (sa.status !== 200) return 'ServiceAccount default/default';
  return '';
}
