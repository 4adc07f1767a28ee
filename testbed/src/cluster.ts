import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureNodeBinaries, ensureTestbedBinaries } from './binaries.ts';
import { type ClusterState, type PreparedNode, prepareFiles, writeKubeconfig } from './cluster-files.ts';
import { Component, type ComponentName, ownComponent, type ProcessName } from './component.ts';
import { type ClusterPorts, clusterPaths } from './component-args.ts';
import { waitForEtcd, waitForReadyz, waitForServingCert } from './control-plane-wait.ts';
import type { ApiEndpoint } from './kube-http.ts';
import { forwardSpec } from './node/node-components.ts';
import { teardownNode, teardownNodeSync } from './node/node-teardown.ts';
import {
  loadSandboxImage,
  prepareRealNode,
  type RealNodeState,
  waitForRealNode,
  writeNodeFiles,
  writeRegistryHost,
} from './node/real-node.ts';
import { cleanUpOnExit } from './process-cleanup.ts';
import { ensureBootstrapObjects, waitForClusterReady } from './readiness.ts';

export type { ClusterState } from './cluster-files.ts';

export interface StartClusterOptions {
  /** A name for messages and the kubeconfig context; default `testbed`. */
  name?: string;
  /** Keep files here (named clusters of the CLI); default: a new temp folder removed on stop. */
  dir?: string;
  /** Leave the processes running after this process exits (the CLI's `up`). */
  keepAlive?: boolean;
  /** How many fake kwok Nodes to register (default 1, or 0 with `realNode`). */
  nodes?: number;
  /**
   * Add one real node (kubelet, containerd, runc, CNI, kube-proxy, CoreDNS) that runs Pods as
   * containers, in a network namespace of its own. Its binaries are built on first use.
   */
  realNode?: boolean;
  log?: (line: string) => void;
}

/** A real node's own processes (besides its `forward-<port>` ones). */
const nodeProcesses = ['kubelet', 'kube-proxy', 'coredns', 'containerd'] as const;

/** A running testbed cluster: etcd, kube-apiserver, controller-manager, scheduler and kwok. */
export class TestCluster {
  readonly name: string;
  readonly dir: string;
  readonly server: string;
  readonly token: string;
  readonly kubeconfigPath: string;
  readonly ports: ClusterPorts;
  /** The real node's network, folders and name; undefined for a kwok-only cluster. */
  readonly realNode: RealNodeState | undefined;
  private readonly temporary: boolean;
  private readonly components: Map<ProcessName, Component>;
  private readonly keepAlive: boolean;
  /** A test's real node is torn down even if the test process exits without stopping it. */
  private dropExitTeardown: (() => void) | undefined;

  constructor(state: ClusterState, keepAlive: boolean) {
    this.name = state.name;
    this.dir = state.dir;
    this.server = state.server;
    this.token = state.token;
    this.kubeconfigPath = state.kubeconfigPath;
    this.ports = state.ports;
    this.realNode = state.realNode;
    this.temporary = state.temporary;
    this.keepAlive = keepAlive;
    const node = state.realNode;
    if (node && !keepAlive) this.dropExitTeardown = cleanUpOnExit(() => teardownNodeSync(node));
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

  component(name: ProcessName): Component {
    const component = this.components.get(name);
    if (!component) throw new Error(`cluster ${this.name} has no component ${name}`);
    return component;
  }

  isRunning(name: ProcessName): boolean {
    return this.component(name).isRunning();
  }

  async stopComponent(name: ProcessName): Promise<void> {
    await this.component(name).stop();
    this.saveState();
  }

  async killComponent(name: ProcessName): Promise<void> {
    await this.component(name).kill();
    this.saveState();
  }

  /** Starts a stopped component again with the same flags and ports; waits until it serves. */
  async startComponent(name: ProcessName, timeoutMs = 60_000): Promise<void> {
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
    if (this.realNode) await this.stopRealNode(this.realNode);
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
      ...(this.realNode ? { realNode: this.realNode } : {}),
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
    step(nodes > 0 ? 'kwok nodes are Ready' : 'control plane is ready');
    if (this.realNode) {
      await this.bootRealNode(this.realNode);
      step(`real node ${this.realNode.nodeName} is Ready`);
    }
  }

  private async bootRealNode(node: RealNodeState): Promise<void> {
    const bins = await ensureNodeBinaries();
    writeNodeFiles(node, bins, this.kubeconfigPath, `testbed-${this.name}`);
    // The kubelet, kube-proxy and CoreDNS reach the API server at 127.0.0.1 inside the node.
    this.startNodeComponent(`forward-${this.ports.apiserver}`);
    this.startNodeComponent('containerd');
    await loadSandboxImage(node, bins, () => this.failureHint());
    for (const name of ['kubelet', 'kube-proxy', 'coredns'] as const) this.startNodeComponent(name);
    await waitForRealNode(node, this.endpoint, () => this.failureHint());
  }

  private startNodeComponent(name: ProcessName): void {
    this.component(name).start({ keepAlive: this.keepAlive });
    this.saveState();
  }

  private async stopRealNode(node: RealNodeState): Promise<void> {
    // Everything the node ran is removed next, so its processes stop together, with little time
    // to be tidy.
    await Promise.all(
      [...this.components]
        .filter(([name]) => isNodeProcess(name))
        .map(([, component]) => component.stop(1_000)),
    );
    await teardownNode(node);
    this.dropExitTeardown?.();
  }

  /**
   * Lets the real node pull from `registry` (on the host's loopback): its CA is trusted and,
   * unless `credentials` is false, its credentials are sent (else Pods need an imagePullSecret).
   */
  async trustRegistry(
    registry: { host: string; username: string; password: string },
    options: { credentials?: boolean } = {},
  ): Promise<void> {
    const node = this.requireRealNode('trustRegistry');
    const port = Number(registry.host.split(':').pop());
    if (registry.host !== `127.0.0.1:${port}`) {
      throw new Error(`testbed: a real node trusts registries on 127.0.0.1 only, not ${registry.host}`);
    }
    await this.exposeHostPort(port);
    writeRegistryHost(node, registry, options.credentials ?? true);
  }

  /**
   * Makes the host's 127.0.0.1:`port` reachable inside the real node: at 127.0.0.1:`port` (for
   * containerd) and at the node's InternalIP (for Pods, e.g. a Git server). Returns `ip:port`.
   */
  async exposeHostPort(port: number): Promise<string> {
    const node = this.requireRealNode('exposeHostPort');
    const name: ProcessName = `forward-${port}`;
    if (!this.components.has(name)) {
      const bins = await ensureNodeBinaries();
      const component = new Component(forwardSpec(bins, node.network, port, clusterPaths(this.dir).logs));
      if (!this.keepAlive) ownComponent(component);
      this.components.set(name, component);
    }
    this.startNodeComponent(name);
    return `${node.network.nodeIp}:${port}`;
  }

  /** The node's namespace exists and its processes run (false for a kwok-only cluster). */
  async realNodeIsRunning(): Promise<boolean> {
    if (!this.realNode || !existsSync(this.realNode.network.netnsPath)) return false;
    return [...this.components.entries()].every(
      ([name, component]) => !isNodeProcess(name) || component.isRunning(),
    );
  }

  private requireRealNode(what: string): RealNodeState {
    if (!this.realNode) throw new Error(`testbed: ${what} needs a cluster with a real node (realNode: true)`);
    return this.realNode;
  }

  /** The tail of the logs of whichever component stopped, to say why a start (or a test) failed. */
  failureHint(only?: ProcessName): string {
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

function isNodeProcess(name: ProcessName): boolean {
  return (nodeProcesses as readonly string[]).includes(name) || name.startsWith('forward-');
}

/** Starts a new cluster on free loopback ports. On any failure, everything started is stopped. */
export async function startCluster(options: StartClusterOptions = {}): Promise<TestCluster> {
  const log = options.log ?? (() => {});
  const nodeBins = options.realNode ? await ensureNodeBinaries({ log }) : undefined;
  const bins = nodeBins ?? (await ensureTestbedBinaries({ log }));
  const name = options.name ?? 'testbed';
  const temporary = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), `tiphys-testbed-${name}-`));
  const keepAlive = options.keepAlive ?? false;
  let node: PreparedNode | undefined;
  if (nodeBins) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    node = { ...(await prepareRealNode(dir, nodeBins, keepAlive, log)), bins: nodeBins };
  }
  let state: ClusterState;
  try {
    state = await prepareFiles(bins, name, dir, temporary, node);
  } catch (error) {
    if (node) await teardownNode(node.node).catch(() => {});
    throw error;
  }
  const cluster = new TestCluster(state, keepAlive);
  try {
    await cluster.bootstrap(options.nodes ?? (options.realNode ? 0 : 1), log);
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
