// Polls until a control-plane component serves, with the tail of its log in the error.
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { clusterPaths } from './component-args.ts';
import { type ApiEndpoint, apiRequest } from './kube-http.ts';

export async function poll(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
  hint?: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await sleep(200);
  }
  const detail = hint ? `\n${hint()}` : '';
  throw new Error(
    `testbed: ${what} within ${timeoutMs / 1000} s${lastError ? ` (last error: ${lastError})` : ''}${detail}`,
  );
}

export function waitForEtcd(port: number, timeoutMs: number, hint?: () => string): Promise<void> {
  return poll(
    `etcd did not become healthy on 127.0.0.1:${port}`,
    timeoutMs,
    async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok,
    hint,
  );
}

export function waitForServingCert(dir: string, timeoutMs: number, hint?: () => string): Promise<void> {
  const cert = clusterPaths(dir).servingCert;
  const key = cert.replace(/\.crt$/, '.key');
  return poll(
    'kube-apiserver did not write its serving certificate',
    timeoutMs,
    async () => existsSync(cert) && existsSync(key),
    hint,
  );
}

export function waitForReadyz(endpoint: ApiEndpoint, timeoutMs: number, hint?: () => string): Promise<void> {
  return poll(
    `kube-apiserver at ${endpoint.server} was not ready`,
    timeoutMs,
    async () => (await apiRequest(endpoint, 'GET', '/readyz')).status === 200,
    hint,
  );
}
