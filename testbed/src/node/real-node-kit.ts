// Helpers for the real-node tests: create and read objects with the testbed's own HTTP client,
// wait for observable state, and make plain HTTP requests to Pods, Services and NodePorts (all
// on the node's network, routed from the host).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureNodeBinaries, ensureTestbedBinaries } from '../binaries.ts';
import type { TestCluster } from '../cluster.ts';
import { pushImage, writeImageLayout } from '../image.ts';
import { apiRequest } from '../kube-http.ts';
import type { TestRegistry } from '../registry.ts';

// biome-ignore lint/suspicious/noExplicitAny: test objects are read as loose JSON
export type Json = any;

export async function create(cluster: TestCluster, path: string, object: Json): Promise<Json> {
  const res = await apiRequest(cluster.endpoint, 'POST', path, object);
  if (res.status !== 201)
    throw new Error(`POST ${path} answered HTTP ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function get(cluster: TestCluster, path: string): Promise<Json> {
  const res = await apiRequest(cluster.endpoint, 'GET', path);
  if (res.status !== 200)
    throw new Error(`GET ${path} answered HTTP ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Polls `check` until it returns a value (not undefined); the last error is in the timeout's message. */
export async function eventually<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(250);
  }
  throw new Error(
    `timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? `: ${String(last)}` : ''}`,
  );
}

export function httpGet(url: string, timeoutMs = 5_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: GET ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

export async function kubectl(cluster: TestCluster, args: string[]): Promise<string> {
  const { kubectl: bin } = await ensureTestbedBinaries();
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      ['--kubeconfig', cluster.kubeconfigPath, ...args],
      { timeout: 60_000 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout),
    );
  });
}

/**
 * Builds the probe image (one static binary, /probe) and pushes it with crane; returns the
 * reference by tag and the manifest digest the registry now holds.
 */
export async function pushProbeImage(
  registry: TestRegistry,
  repository: string,
  tag: string,
): Promise<{ ref: string; digest: string }> {
  const bins = await ensureNodeBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'tiphys-probe-image-'));
  try {
    const ref = registry.ref(repository, tag);
    const built = await writeImageLayout(dir, ref, {
      layers: [{ items: [{ file: bins.probe, to: '/probe', mode: 0o755 }], comment: 'the testbed probe' }],
      config: { entrypoint: ['/probe'], cmd: ['serve', '8080'], exposedPorts: [8080] },
    });
    await pushImage(dir, ref, {
      caFile: registry.caPath,
      username: registry.username,
      password: registry.password,
    });
    return { ref, digest: built.digest };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A Deployment of `image` running `probe serve`, Ready once it answers HTTP. */
export function probeDeployment(name: string, image: string, extra: Json = {}): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'probe',
              image,
              args: ['serve', '8080'],
              ports: [{ containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
            },
          ],
          ...extra,
        },
      },
    },
  };
}
