// Helpers shared by the GitOps benchmarks (sync, self-heal, webhook, scale): manifest
// generation, tight polling with a measured elapsed time, and process probes from /proc.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeRest } from '../src/adapters/kube/rest.ts';
import type { Application } from '../src/core/model/application.ts';

export function configMapYaml(name: string, namespace: string, value: string): string {
  return [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${namespace}`,
    'data:',
    `  value: "${value}"`,
    `  name: "${name}"`,
    '',
  ].join('\n');
}

export function deploymentYaml(name: string, namespace: string, replicas = 1): string {
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${namespace}`,
    'spec:',
    `  replicas: ${replicas}`,
    '  selector:',
    '    matchLabels:',
    `      app: ${name}`,
    '  template:',
    '    metadata:',
    '      labels:',
    `        app: ${name}`,
    '    spec:',
    '      containers:',
    '        - name: app',
    '          image: registry.example/bench:1',
    '',
  ].join('\n');
}

/** Writes `files` (relative path → content) under `dir`, creating sub-folders. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, content);
  }
}

export function automatedSpec(repoURL: string, path: string, namespace: string): Record<string, unknown> {
  return {
    source: { repoURL, path, targetRevision: 'main' },
    destination: { namespace },
    syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
  };
}

export const syncSucceeded = (app: Application): boolean =>
  app.status?.sync?.status === 'Synced' && app.status?.operationState?.phase === 'Succeeded';

/**
 * Calls `check` every `intervalMs` until it returns true; resolves with the milliseconds elapsed
 * since `start` (default: now). Errors of `check` count as "not yet".
 */
export async function pollUntil(
  what: string,
  check: () => Promise<boolean>,
  options: { intervalMs: number; timeoutMs: number; start?: number; describe?: () => Promise<string> },
): Promise<number> {
  const start = options.start ?? performance.now();
  const deadline = start + options.timeoutMs;
  let lastError: unknown;
  while (performance.now() < deadline) {
    try {
      if (await check()) return performance.now() - start;
    } catch (error) {
      lastError = error;
    }
    await sleep(options.intervalMs);
  }
  const detail = options.describe ? await options.describe().catch((e) => String(e)) : '';
  throw new Error(
    `timed out after ${options.timeoutMs} ms waiting for ${what}${lastError ? ` (${String(lastError)})` : ''}\n${detail}`,
  );
}

/** Resolves once `url` answers 200 (a child process's HTTP server is up). */
export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  await pollUntil(
    url,
    async () => {
      const response = await fetch(url);
      await response.arrayBuffer();
      return response.ok;
    },
    { intervalMs: 100, timeoutMs },
  );
}

/** SIGTERM, then SIGKILL if the child has not exited after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** VmRSS and VmHWM of a process, in MiB. */
export function memoryOf(pid: number): { rssMiB: number; hwmMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  return { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 };
}

/** utime + stime of a process, in clock ticks (USER_HZ, 100 on Linux). */
export function cpuTicksOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces; fields after it are counted from the closing paren.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

export const CLOCK_TICKS_PER_SECOND = 100;

/** Runs `tasks` with at most `limit` in flight. */
export async function inBatches<T>(items: T[], limit: number, task: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}

/** The sum of every series of one Prometheus metric in a /metrics text (all labels). */
export async function scrapeMetric(url: string, metric: string): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${metric}{`) || line.startsWith(`${metric} `))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/**
 * Watches one Application until `check` holds for it; resolves with the milliseconds since
 * `start`. A watch costs the API server one event per status write, where polling the object
 * every 50 ms made it read and encode the whole Application (hundreds of KB once a big sync's
 * progress is in its status) 20 times a second: load the floor's side never carried.
 */
export async function watchAppUntil(
  rest: KubeRest,
  namespace: string,
  name: string,
  check: (app: Application) => boolean,
  options: { start: number; timeoutMs: number; onStatus?: (app: Application) => void },
): Promise<number> {
  const abort = new AbortController();
  const timer = setTimeout(
    () => abort.abort(),
    Math.max(0, options.start + options.timeoutMs - performance.now()),
  );
  let last: Application | undefined;
  try {
    const stream = await rest.openStream(
      `/apis/tiphys.dev/v1alpha1/namespaces/${namespace}/applications`,
      { watch: '1', fieldSelector: `metadata.name=${name}`, allowWatchBookmarks: 'false' },
      abort.signal,
    );
    let buffered = '';
    for await (const chunk of stream) {
      buffered += (chunk as Buffer).toString('utf8');
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
        if (!line.trim()) continue;
        const event = JSON.parse(line) as { type: string; object: Application };
        if (event.type !== 'ADDED' && event.type !== 'MODIFIED') continue;
        last = event.object;
        options.onStatus?.(last);
        if (check(last)) {
          const elapsed = performance.now() - options.start;
          stream.destroy();
          return elapsed;
        }
      }
    }
    throw new Error(`the watch of Application ${name} ended`);
  } catch (error) {
    if (!abort.signal.aborted) throw error;
    throw new Error(
      `timed out after ${options.timeoutMs} ms waiting for Application ${name}\n${JSON.stringify(last?.status, null, 1).slice(0, 3000)}`,
    );
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}
