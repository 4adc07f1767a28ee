import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureTestbedBinaries, type TestbedBinaries } from './binaries.ts';
import { Component, type ComponentName, type ComponentSpec, ownComponent } from './component.ts';
import { type ClusterPorts, clusterPaths, clusterPortNames, componentSpecs } from './component-args.ts';
import { type ApiEndpoint, apiRequest } from './kube-http.ts';
import { freePorts } from './ports.ts';
import { ensureBootstrapObjects, waitForClusterReady } from './readiness.ts';

export interface StartClusterOptions {
  /** A name for messages and the kubeconfig context; default `testbed`. */
  name?: string;
  /** Keep files here (named clusters of the CLI); default: a new temp folder removed on stop. */
  dir?: string;
  /** Leave the processes running after this process exits (the CLI's `up`). */
  keepAlive?: boolean;
  /** How many fake kwok Nodes to register (default 1). */
  nodes?: number;
  log?: (line: string) => void;
}

/** What is written to `state.json`, enough to find and stop a cluster from another process. */
export interface ClusterState {
  name: string;
  dir: string;
  temporary: boolean;
  server: string;
  token: string;
  kubeconfigPath: string;
  ports: ClusterPorts;
  components: { spec: ComponentSpec; pid: number | undefined }[];
}

/** A running testbed cluster: etcd, kube-apiserver, controller-manager, scheduler and kwok. */
export class TestCluster {
  readonly name: string;
  readonly dir: string;
  readonly server: string;
  readonly token: string;
  readonly kubeconfigPath: string;
  readonly ports: ClusterPorts;
  private readonly temporary: boolean;
  private readonly components: Map<ComponentName, Component>;
  private readonly keepAlive: boolean;

  constructor(state: ClusterState, keepAlive: boolean) {
    this.name = state.name;
    this.dir = state.dir;
    this.server = state.server;
    this.token = state.token;
    this.kubeconfigPath = state.kubeconfigPath;
    this.ports = state.ports;
    this.temporary = state.temporary;
    this.keepAlive = keepAlive;
    this.components = new Map(
      state.components.map(({ spec, pid }) => {
        const component = new Component(spec, pid);
        if (!keepAlive) ownComponent(component);
        return [spec.name, component];
      }),
    );
  }

  /** The serving CA of the apiserver (self-signed by it on first start), PEM. */
  get ca(): string {
    return readFileSync(clusterPaths(this.dir).servingCert, 'utf8');
  }

  get endpoint(): ApiEndpoint {
    return { server: this.server, token: this.token, ca: this.ca };
  }

  component(name: ComponentName): Component {
    const component = this.components.get(name);
    if (!component) throw new Error(`cluster ${this.name} has no component ${name}`);
    return component;
  }

  isRunning(name: ComponentName): boolean {
    return this.component(name).isRunning();
  }

  async stopComponent(name: ComponentName): Promise<void> {
    await this.component(name).stop();
    this.saveState();
  }

  async killComponent(name: ComponentName): Promise<void> {
    await this.component(name).kill();
    this.saveState();
  }

  /** Starts a stopped component again with the same flags and ports; waits until it serves. */
  async startComponent(name: ComponentName, timeoutMs = 60_000): Promise<void> {
    this.component(name).start({ keepAlive: this.keepAlive });
    this.saveState();
    if (name === 'etcd') await waitForEtcd(this.ports.etcdClient, timeoutMs);
    if (name === 'kube-apiserver') await waitForReadyz(this.endpoint, timeoutMs);
  }

  async restartComponent(name: ComponentName): Promise<void> {
    await this.stopComponent(name);
    await this.startComponent(name);
  }

  /** Stops every process (dependents first) and removes a temporary cluster's folder. */
  async stop(): Promise<void> {
    const order: ComponentName[] = [
      'kwok',
      'kube-scheduler',
      'kube-controller-manager',
      'kube-apiserver',
      'etcd',
    ];
    for (const name of order) await this.components.get(name)?.stop(5_000);
    if (this.temporary) rmSync(this.dir, { recursive: true, force: true });
    else this.saveState();
  }

  state(): ClusterState {
    return {
      name: this.name,
      dir: this.dir,
      temporary: this.temporary,
      server: this.server,
      token: this.token,
      kubeconfigPath: this.kubeconfigPath,
      ports: this.ports,
      components: [...this.components.values()].map((c) => ({ spec: c.spec, pid: c.pid })),
    };
  }

  saveState(): void {
    if (existsSync(this.dir))
      writeFileSync(clusterPaths(this.dir).state, JSON.stringify(this.state(), null, 2));
  }

  /** Starts every component in order and waits until the cluster can run Pods. */
  async bootstrap(nodes: number, log: (line: string) => void): Promise<void> {
    const started = Date.now();
    const step = (what: string) =>
      log(`[testbed ${this.name}] ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    this.component('etcd').start({ keepAlive: this.keepAlive });
    this.saveState();
    await waitForEtcd(this.ports.etcdClient, 30_000, () => this.failureHint('etcd'));
    step('etcd is up');
    this.component('kube-apiserver').start({ keepAlive: this.keepAlive });
    this.saveState();
    await waitForServingCert(this.dir, 60_000, () => this.failureHint('kube-apiserver'));
    writeKubeconfig(this);
    await waitForReadyz(this.endpoint, 90_000, () => this.failureHint('kube-apiserver'));
    step('kube-apiserver is ready');
    for (const name of ['kube-controller-manager', 'kube-scheduler', 'kwok'] as const) {
      this.component(name).start({ keepAlive: this.keepAlive });
    }
    this.saveState();
    await ensureBootstrapObjects(this.endpoint, nodes);
    await waitForClusterReady(this.endpoint, nodes, 90_000, () => this.failureHint());
    step('nodes are Ready');
  }

  /** The tail of the logs of whichever component stopped, to say why a start failed. */
  private failureHint(only?: ComponentName): string {
    const names = only ? [only] : [...this.components.keys()];
    const lines: string[] = [];
    for (const name of names) {
      const component = this.component(name);
      if (only === undefined && component.isRunning()) continue;
      const tail = existsSync(component.spec.logFile)
        ? readFileSync(component.spec.logFile, 'utf8').split('\n').slice(-15).join('\n')
        : '(no log)';
      lines.push(
        `${name} ${component.isRunning() ? 'is running' : 'is not running'}; log ${component.spec.logFile}:\n${tail}`,
      );
    }
    return lines.join('\n');
  }
}

/** Starts a new cluster on free loopback ports. On any failure, everything started is stopped. */
export async function startCluster(options: StartClusterOptions = {}): Promise<TestCluster> {
  const log = options.log ?? (() => {});
  const bins = await ensureTestbedBinaries({ log });
  const name = options.name ?? 'testbed';
  const temporary = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), `tiphys-testbed-${name}-`));
  const cluster = new TestCluster(await prepareFiles(bins, name, dir, temporary), options.keepAlive ?? false);
  try {
    await cluster.bootstrap(options.nodes ?? 1, log);
    return cluster;
  } catch (error) {
    await cluster.stop().catch(() => {});
    throw error;
  }
}

/** Reattaches to a cluster started by another process (the CLI's `down` and `status`). */
export function loadCluster(dir: string): TestCluster {
  const state = JSON.parse(readFileSync(clusterPaths(dir).state, 'utf8')) as ClusterState;
  return new TestCluster(state, true);
}

async function prepareFiles(
  bins: TestbedBinaries,
  name: string,
  dir: string,
  temporary: boolean,
): Promise<ClusterState> {
  const paths = clusterPaths(dir);
  for (const folder of [paths.etcdData, paths.pki, paths.logs])
    mkdirSync(folder, { recursive: true, mode: 0o700 });
  const ports = await freePorts(clusterPortNames.length);
  const portMap = Object.fromEntries(
    clusterPortNames.map((key, i) => [key, ports[i]]),
  ) as unknown as ClusterPorts;
  const token = randomBytes(24).toString('hex');
  // One identity in system:masters serves the admin and the control-plane components alike.
  writeFileSync(paths.tokens, `${token},testbed-admin,testbed-admin,"system:masters"\n`, { mode: 0o600 });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(paths.serviceAccountKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
  });
  writeFileSync(paths.serviceAccountPub, publicKey.export({ type: 'spki', format: 'pem' }));
  const specs = componentSpecs(bins, dir, portMap);
  return {
    name,
    dir,
    temporary,
    server: `https://127.0.0.1:${portMap.apiserver}`,
    token,
    kubeconfigPath: paths.kubeconfig,
    ports: portMap,
    components: Object.values(specs).map((spec) => ({ spec, pid: undefined })),
  };
}

function writeKubeconfig(cluster: TestCluster): void {
  const ca = Buffer.from(cluster.ca).toString('base64');
  const context = `testbed-${cluster.name}`;
  const text = `apiVersion: v1
kind: Config
clusters:
  - name: ${context}
    cluster:
      server: ${cluster.server}
      certificate-authority-data: ${ca}
users:
  - name: ${context}-admin
    user:
      token: ${cluster.token}
contexts:
  - name: ${context}
    context:
      cluster: ${context}
      user: ${context}-admin
current-context: ${context}
`;
  writeFileSync(cluster.kubeconfigPath, text, { mode: 0o600 });
}

async function poll(
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

function waitForEtcd(port: number, timeoutMs: number, hint?: () => string): Promise<void> {
  return poll(
    `etcd did not become healthy on 127.0.0.1:${port}`,
    timeoutMs,
    async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok,
    hint,
  );
}

function waitForServingCert(dir: string, timeoutMs: number, hint?: () => string): Promise<void> {
  const cert = clusterPaths(dir).servingCert;
  const key = cert.replace(/\.crt$/, '.key');
  return poll(
    'kube-apiserver did not write its serving certificate',
    timeoutMs,
    async () => existsSync(cert) && existsSync(key),
    hint,
  );
}

function waitForReadyz(endpoint: ApiEndpoint, timeoutMs: number, hint?: () => string): Promise<void> {
  return poll(
    `kube-apiserver at ${endpoint.server} was not ready`,
    timeoutMs,
    async () => (await apiRequest(endpoint, 'GET', '/readyz')).status === 200,
    hint,
  );
}
