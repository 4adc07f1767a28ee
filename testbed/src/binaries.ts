import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Names of the executables the testbed builds; each is a file in the bin folder. */
export const testbedBinaryNames = [
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubectl',
  'etcd',
  'kwok',
  'helm',
  'kustomize',
  'crane',
  'tiphys-jsonnet',
  'sops',
] as const;
export type TestbedBinaryName = (typeof testbedBinaryNames)[number];
export type TestbedBinaries = Record<TestbedBinaryName, string> & { dir: string };

/** What a real node runs; built only on request (`build.sh --real-node`). CNI plugins are in `cni/`. */
export const nodeBinaryNames = [
  'kubelet',
  'kube-proxy',
  'containerd',
  'containerd-shim-runc-v2',
  'ctr',
  'runc',
  'coredns',
  'pause',
  'netns-forward',
  'probe',
] as const;
export type NodeBinaryName = (typeof nodeBinaryNames)[number];
export type NodeBinaries = Record<NodeBinaryName, string> & { dir: string; cniDir: string };

const buildScript = fileURLToPath(new URL('../build.sh', import.meta.url));
let pending: Promise<TestbedBinaries> | undefined;
let pendingNode: Promise<TestbedBinaries> | undefined;

/**
 * Builds whatever testbed binary is missing (see build.sh) and returns their paths. The build
 * runs once per process; its progress lines go to `log`.
 */
export function ensureTestbedBinaries(
  options: { log?: (line: string) => void } = {},
): Promise<TestbedBinaries> {
  pending ??= runBuild(options.log ?? (() => {}), []);
  return pending;
}

const pendingOne = new Map<TestbedBinaryName, Promise<string>>();

/**
 * Builds one testbed binary if it is missing (not the others) and returns its path: for tests
 * and scripts that need only a small tool such as crane.
 */
export function ensureTestbedBinary(
  name: TestbedBinaryName,
  options: { log?: (line: string) => void } = {},
): Promise<string> {
  let one = pendingOne.get(name);
  if (!one) {
    one = runBuild(options.log ?? (() => {}), [name]).then((binaries) => binaries[name]);
    pendingOne.set(name, one);
  }
  return one;
}

/** Also builds the real node's binaries (the first time: several minutes). */
export async function ensureNodeBinaries(
  options: { log?: (line: string) => void } = {},
): Promise<TestbedBinaries & NodeBinaries> {
  pendingNode ??= runBuild(options.log ?? (() => {}), ['--real-node']);
  const bins = await pendingNode;
  const paths = Object.fromEntries(nodeBinaryNames.map((name) => [name, join(bins.dir, name)]));
  return { ...bins, ...(paths as Record<NodeBinaryName, string>), cniDir: join(bins.dir, 'cni') };
}

/** Runs build.sh with `args` (tool names, or --real-node). */
function runBuild(log: (line: string) => void, args: string[] = []): Promise<TestbedBinaries> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [buildScript, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderrTail = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderrTail = (stderrTail + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) log(line);
    });
    child.on('error', (error) =>
      reject(new Error(`cannot run ${buildScript}: ${error.message}`, { cause: error })),
    );
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`building the testbed binaries failed (exit ${code}):\n${stderrTail}`));
        return;
      }
      const dir = stdout.trim().split('\n').at(-1) ?? '';
      const paths = Object.fromEntries(testbedBinaryNames.map((name) => [name, join(dir, name)]));
      resolve({ ...(paths as Record<TestbedBinaryName, string>), dir });
    });
  });
}
