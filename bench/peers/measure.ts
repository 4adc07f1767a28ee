// One measurement run of one GitOps tool against an already running, fresh testbed cluster, for
// bench/peers.bench.ts (which starts the cluster, runs this in a process of its own, stops it):
//   node bench/peers/measure.ts --tool flux|tiphys --kubeconfig K --bin-dir TESTBED_BIN
//   [--concurrent N] [--out result.json] [--apps 200] [--rounds 2] [--idle 30]
// Workload: one monorepo with APPS directories × 10 ConfigMaps (10 data keys each), served by the
// testbed's smart-HTTP Git server; APPS namespaces are created before the clock starts.
// Flux: one GitRepository (10m) + APPS Kustomizations (prune, wait=false, targetNamespace).
// Tiphys: APPS Applications (automated, prune, selfHeal, CreateNamespace=true), poll 600 s.
// Clock: from just before the first object is created until every object reports Ready=True
// (Flux) / Synced+Succeeded (Tiphys) at the commit. Then 30 s idle, then ROUNDS commits that
// change one app's ConfigMap, each followed by an on-demand trigger (Flux: requestedAt
// annotation on the GitRepository; Tiphys: a GitHub push event POSTed to /webhook).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadKubeConfig } from '../../src/adapters/kube/install.ts';
import { KubeRest } from '../../src/adapters/kube/rest.ts';
import { startGitServer } from '../../testbed/src/git-server.ts';

const { values } = parseArgs({
  options: {
    tool: { type: 'string' },
    kubeconfig: { type: 'string' },
    concurrent: { type: 'string' },
    out: { type: 'string' },
    apps: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '3' },
    idle: { type: 'string', default: '30' },
    'pid-file': { type: 'string' },
    'flux-bin': { type: 'string' },
    'flux-src': { type: 'string' },
    'bin-dir': { type: 'string' },
  },
});
const tool = values.tool as 'flux' | 'tiphys';
if (tool !== 'flux' && tool !== 'tiphys') throw new Error('--tool flux|tiphys');
const kubeconfig = values.kubeconfig ?? process.env.KUBECONFIG;
if (!kubeconfig) throw new Error('--kubeconfig needed');
const appCount = Number(values.apps);
const rounds = Number(values.rounds);
const idleSeconds = Number(values.idle);
const concurrent = values.concurrent ? Number(values.concurrent) : tool === 'flux' ? 4 : 10;
const tiphysRoot = fileURLToPath(new URL('../..', import.meta.url));
if (!values['bin-dir']) throw new Error('--bin-dir (the testbed binaries) needed');
const binDir = values['bin-dir'];
const kubectl = join(binDir, 'kubectl');
const appName = (i: number) => `scale-${String(i).padStart(3, '0')}`;
const CHANGED_INDEX = Math.min(7, appCount - 1);
const CHANGED = appName(CHANGED_INDEX);
const log = (m: string) => console.error(`[${tool}${tool === 'flux' ? ` c=${concurrent}` : ''}] ${m}`);

// ---------- /proc probes ----------
const TICKS = 100;
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime + stime + cutime + cstime: the process and its reaped children (Tiphys runs system git).
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS;
}
function memMiB(pid: number): { rss: number; hwm: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? Number.NaN);
  return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
}
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
function clusterPids(): Record<string, number> {
  // The testbed keeps its components' pids in ~/.cache/tiphys/clusters/NAME/state.json.
  const state = JSON.parse(readFileSync(join(kubeconfig as string, '..', 'state.json'), 'utf8')) as {
    components: { spec: { name: string }; pid?: number }[];
  };
  return Object.fromEntries(state.components.filter((c) => c.pid).map((c) => [c.spec.name, c.pid as number]));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
  intervalMs = 250,
  describe?: () => Promise<string>,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  while (performance.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await sleep(intervalMs);
  }
  const d = describe ? await describe().catch(String) : '';
  throw new Error(`timed out waiting for ${what}${last ? ` (${String(last)})` : ''} ${d}`);
}

async function inBatches<T>(items: T[], limit: number, task: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}

// ---------- workload ----------
function configMapYaml(name: string, ns: string, app: number, j: number, value: string): string {
  const keys = Array.from({ length: 10 }, (_, k) => `  key-${k}: "app ${app} object ${j} key ${k} ${value}"`);
  return [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${ns}`,
    '  labels:',
    '    bench: side-by-side',
    'data:',
    ...keys,
    '',
  ].join('\n');
}

const work = mkdtempSync(join(tmpdir(), 'sbs-work-'));
const repoDir = join(work, 'repo');
for (let i = 0; i < appCount; i++) {
  mkdirSync(join(repoDir, appName(i)), { recursive: true });
  for (let j = 0; j < 10; j++)
    writeFileSync(
      join(repoDir, appName(i), `cm-${j}.yaml`),
      configMapYaml(`cm-${j}`, appName(i), i, j, 'v0'),
    );
}

const children: ChildProcess[] = [];
const pidFile = values['pid-file'];
function startChild(name: string, cmd: string, args: string[], env: Record<string, string>): ChildProcess {
  const out = openSync(join(work, `${name}.log`), 'a');
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
  children.push(child);
  if (pidFile && child.pid) writeFileSync(pidFile, `${child.pid} ${cmd}\n`, { flag: 'a' });
  child.on('exit', (code, sig) => log(`${name} exited (${sig ?? code})`));
  return child;
}
async function stopChildren() {
  await Promise.all(
    children.map(async (c) => {
      if (c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise<void>((r) => c.once('exit', () => r()));
      c.kill('SIGTERM');
      const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }),
  );
}

const git = await startGitServer();
const rest = new KubeRest(loadKubeConfig(kubeconfig));
const result: Record<string, unknown> = { tool, concurrent, apps: appCount, objectsPerApp: 10 };
try {
  const { url: repoURL, commit: firstCommit } = await git.createRepo('mono', repoDir);
  if (!firstCommit) throw new Error('no first commit');

  // Namespaces first, for both tools (Flux does not create a targetNamespace).
  await inBatches(
    Array.from({ length: appCount }, (_, i) => i),
    10,
    (i) =>
      rest.request('POST', '/api/v1/namespaces', {
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: appName(i) } },
      }),
  );

  // ---------- tool set-up (not timed) ----------
  let pids: Record<string, number> = {};
  let create: (i: number) => Promise<unknown>;
  let createFirst: () => Promise<unknown> = async () => {};
  let listReady: (commit: string) => Promise<number>;
  let trigger: () => Promise<void>;
  let appReadyAt: (name: string, commit: string) => Promise<boolean>;
  const kenv = { KUBECONFIG: kubeconfig };

  if (tool === 'flux') {
    const src = values['flux-src'] as string;
    const bin = values['flux-bin'] as string;
    for (const crd of [
      join(src, 'source-controller/config/crd/bases'),
      join(src, 'kustomize-controller/config/crd/bases'),
    ])
      execFileSync(kubectl, ['--kubeconfig', kubeconfig, 'apply', '--server-side', '-f', crd], {
        stdio: 'ignore',
      });
    execFileSync(
      kubectl,
      ['--kubeconfig', kubeconfig, 'wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all'],
      { stdio: 'ignore' },
    );
    await rest.request('POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flux-system' } },
    });
    const [storage, scMetrics, scHealth, kcMetrics, kcHealth] = await Promise.all(
      Array.from({ length: 5 }, freePort),
    );
    const storageDir = join(work, 'storage');
    mkdirSync(storageDir);
    const fenv = { ...kenv, RUNTIME_NAMESPACE: 'flux-system' };
    const sc = startChild(
      'source-controller',
      join(bin, 'source-controller'),
      [
        `--storage-path=${storageDir}`,
        `--storage-addr=127.0.0.1:${storage}`,
        `--storage-adv-addr=127.0.0.1:${storage}`,
        `--metrics-addr=127.0.0.1:${scMetrics}`,
        `--health-addr=127.0.0.1:${scHealth}`,
        '--log-level=info',
      ],
      fenv,
    );
    const kc = startChild(
      'kustomize-controller',
      join(bin, 'kustomize-controller'),
      [
        `--concurrent=${concurrent}`,
        `--metrics-addr=127.0.0.1:${kcMetrics}`,
        `--health-addr=127.0.0.1:${kcHealth}`,
        '--log-level=info',
      ],
      fenv,
    );
    for (const port of [scHealth, kcHealth])
      await waitFor(
        `healthz :${port}`,
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok,
        60_000,
        200,
      );
    pids = { 'source-controller': sc.pid as number, 'kustomize-controller': kc.pid as number };
    const base = '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations';
    const gitRepoPath = '/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories';
    createFirst = () =>
      rest.request('POST', gitRepoPath, {
        body: {
          apiVersion: 'source.toolkit.fluxcd.io/v1',
          kind: 'GitRepository',
          metadata: { name: 'mono', namespace: 'flux-system' },
          spec: { interval: '10m', url: repoURL, ref: { branch: 'main' } },
        },
      });
    create = (i) =>
      rest.request('POST', base, {
        body: {
          apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
          kind: 'Kustomization',
          metadata: { name: appName(i), namespace: 'flux-system' },
          spec: {
            interval: '10m',
            path: `./${appName(i)}`,
            prune: true,
            wait: false,
            targetNamespace: appName(i),
            sourceRef: { kind: 'GitRepository', name: 'mono' },
          },
        },
      });
    type K = {
      metadata: { name: string };
      status?: { lastAppliedRevision?: string; conditions?: { type: string; status: string }[] };
    };
    const ready = (k: K, commit: string) =>
      (k.status?.lastAppliedRevision ?? '').endsWith(commit) &&
      !!k.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    listReady = async (commit) =>
      (await rest.request<{ items: K[] }>('GET', base)).items.filter((k) => ready(k, commit)).length;
    appReadyAt = async (name, commit) => ready(await rest.request<K>('GET', `${base}/${name}`), commit);
    trigger = async () => {
      await rest.request('PATCH', `${gitRepoPath}/mono`, {
        body: { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': new Date().toISOString() } } },
        contentType: 'application/merge-patch+json',
      });
    };
  } else {
    const node = join(tiphysRoot, 'node_modules/.bin/node');
    execFileSync(node, [join(tiphysRoot, 'bin/tiphys.mjs'), 'install'], {
      env: { ...process.env, ...kenv },
      stdio: 'ignore',
    });
    const port = await freePort();
    // PEERS_TIPHYS_NODE_ARGS: Node options of the controller alone, e.g. to profile it under this
    // workload ("--cpu-prof --cpu-prof-dir=DIR", "--heapsnapshot-signal=SIGUSR2").
    const nodeArgs = (process.env.PEERS_TIPHYS_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    const ctl = startChild(
      'tiphys-controller',
      node,
      [
        ...nodeArgs,
        join(tiphysRoot, 'bin/tiphys.mjs'),
        'controller',
        '--port',
        String(port),
        '--no-leader-election',
        '--poll-interval',
        '600',
        '--concurrency',
        String(concurrent),
        '--cache-dir',
        join(work, 'tiphys-cache'),
      ],
      { ...kenv, TIPHYS_KUSTOMIZE_BIN: join(binDir, 'kustomize'), TIPHYS_HELM_BIN: join(binDir, 'helm') },
    );
    await waitFor(
      'tiphys healthz',
      async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok,
      60_000,
      200,
    );
    pids = { 'tiphys-controller': ctl.pid as number };
    const base = '/apis/tiphys.dev/v1alpha1/namespaces/tiphys/applications';
    create = (i) =>
      rest.request('POST', base, {
        body: {
          apiVersion: 'tiphys.dev/v1alpha1',
          kind: 'Application',
          metadata: { name: appName(i), namespace: 'tiphys' },
          spec: {
            source: { repoURL, path: appName(i), targetRevision: 'main' },
            destination: { namespace: appName(i) },
            syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
          },
        },
      });
    type A = {
      status?: { sync?: { status?: string; revision?: string }; operationState?: { phase?: string } };
    };
    const ready = (a: A, commit: string) =>
      a.status?.sync?.status === 'Synced' &&
      a.status?.sync?.revision === commit &&
      a.status?.operationState?.phase === 'Succeeded';
    listReady = async (commit) =>
      (await rest.request<{ items: A[] }>('GET', base)).items.filter((a) => ready(a, commit)).length;
    appReadyAt = async (name, commit) => ready(await rest.request<A>('GET', `${base}/${name}`), commit);
    trigger = async () => {
      const r = await fetch(`http://127.0.0.1:${port}/webhook`, {
        method: 'POST',
        headers: { 'x-github-event': 'push', 'content-type': 'application/json' },
        body: JSON.stringify({
          ref: 'refs/heads/main',
          repository: { clone_url: repoURL, default_branch: 'main' },
        }),
      });
      // The answer is a count (the sender is not a logged-in user): every app of the repo.
      const answer = (await r.json()) as { refreshed?: number };
      if (answer.refreshed !== appCount)
        throw new Error(`webhook refreshed ${JSON.stringify(answer).slice(0, 200)}`);
    };
  }
  await sleep(3000); // let the controllers settle after start-up
  const ctlPids = Object.values(pids);
  const cl = clusterPids();
  const apiPids = [cl['kube-apiserver'], cl.etcd].filter(Boolean);
  const startMem = Object.fromEntries(Object.entries(pids).map(([n, p]) => [n, memMiB(p).rss]));

  // ---------- initial sync (timed) ----------
  const cpu0 = ctlPids.map(cpuSecondsOf);
  const api0 = apiPids.map(cpuSecondsOf);
  const t0 = performance.now();
  await createFirst();
  await inBatches(
    Array.from({ length: appCount }, (_, i) => i),
    10,
    create,
  );
  const createdMs = performance.now() - t0;
  let ready = 0;
  let lastLog = 0;
  await waitFor(
    `all ${appCount} ready`,
    async () => {
      ready = await listReady(firstCommit);
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        log(`${ready}/${appCount} ready after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
      return ready === appCount;
    },
    900_000,
    250,
    async () => `${ready}/${appCount}`,
  );
  const syncMs = performance.now() - t0;
  const cpu1 = ctlPids.map(cpuSecondsOf);
  const api1 = apiPids.map(cpuSecondsOf);
  const cms = await rest.request<{ items: unknown[] }>('GET', '/api/v1/configmaps', {
    query: { labelSelector: 'bench=side-by-side' },
  });
  log(
    `all ${appCount} ready in ${(syncMs / 1000).toFixed(1)} s; ${cms.items.length} ConfigMaps in the cluster`,
  );
  Object.assign(result, {
    createMs: createdMs,
    syncSeconds: syncMs / 1000,
    syncCpuSeconds: sum(cpu1) - sum(cpu0),
    syncCpuByProcess: Object.fromEntries(Object.keys(pids).map((n, k) => [n, cpu1[k] - cpu0[k]])),
    apiserverEtcdCpuSeconds: sum(api1) - sum(api0),
    configMapsApplied: cms.items.length,
    startRssMiB: startMem,
  });

  // ---------- idle ----------
  await sleep(5000);
  const i0 = ctlPids.map(cpuSecondsOf);
  const it0 = performance.now();
  await sleep(idleSeconds * 1000);
  const i1 = ctlPids.map(cpuSecondsOf);
  result.idleCpuPercent = (100 * (sum(i1) - sum(i0))) / ((performance.now() - it0) / 1000);
  result.rssAfterIdleMiB = sum(ctlPids.map((p) => memMiB(p).rss));

  // ---------- commit → applied ----------
  const applied: number[] = [];
  const appReady: number[] = [];
  const allReady: number[] = [];
  const cmPath = `/api/v1/namespaces/${CHANGED}/configmaps/cm-0`;
  for (let r = 1; r <= rounds; r++) {
    const value = `v${r}`;
    const commit = await git.commitFiles(
      'mono',
      { [`${CHANGED}/cm-0.yaml`]: configMapYaml('cm-0', CHANGED, CHANGED_INDEX, 0, value) },
      `round ${r}`,
    );
    const s = performance.now();
    await trigger();
    let appliedMs = 0;
    let appMs = 0;
    await waitFor(
      `round ${r} applied`,
      async () => {
        if (!appliedMs) {
          const cm = await rest.request<{ data?: Record<string, string> }>('GET', cmPath);
          if (cm.data?.['key-0']?.endsWith(` ${value}`)) appliedMs = performance.now() - s;
        }
        if (!appMs && (await appReadyAt(CHANGED, commit))) appMs = performance.now() - s;
        return appliedMs > 0 && appMs > 0;
      },
      300_000,
      20,
    );
    const allMs = await waitFor(
      `round ${r}: all ${appCount} at the new commit`,
      async () => (await listReady(commit)) === appCount && performance.now() - s,
      600_000,
      100,
    );
    applied.push(appliedMs);
    appReady.push(appMs);
    allReady.push(allMs);
    log(
      `round ${r}: ConfigMap changed after ${appliedMs.toFixed(0)} ms, app Ready after ${appMs.toFixed(0)} ms, all ${appCount} at the commit after ${allMs.toFixed(0)} ms`,
    );
    await sleep(2000);
  }
  Object.assign(result, { commitAppliedMs: applied, commitAppReadyMs: appReady, commitAllReadyMs: allReady });
  const mem = Object.fromEntries(Object.entries(pids).map(([n, p]) => [n, memMiB(p)]));
  result.hwmByProcessMiB = Object.fromEntries(Object.entries(mem).map(([n, m]) => [n, m.hwm]));
  result.peakRssMiB = sum(Object.values(mem).map((m) => m.hwm));
  result.ok = true;
} catch (error) {
  result.ok = false;
  result.error = String(error instanceof Error ? error.stack : error);
  log(`FAILED: ${String(error)}`);
} finally {
  await stopChildren();
  rest.close();
  await git.close();
  if (values.out) writeFileSync(values.out, `${JSON.stringify(result, null, 1)}\n`);
  for (const f of readdirSync(work).filter((f) => f.endsWith('.log'))) {
    if (values.out && existsSync(join(values.out, '..'))) {
      try {
        writeFileSync(
          join(values.out, '..', `${values.out.split('/').pop()?.replace('.json', '')}.${f}`),
          readFileSync(join(work, f)),
        );
      } catch {}
    }
  }
  rmSync(work, { recursive: true, force: true });
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
