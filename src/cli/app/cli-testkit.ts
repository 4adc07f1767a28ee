// For the CLI's integration tests: runs `tiphys …` in-process against a testbed cluster and
// captures what it prints, so a test asserts on exactly what a person would see.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { loadKubeConfig } from '../../adapters/kube/install.ts';
import { KubeRest } from '../../adapters/kube/rest.ts';
import { runCli } from '../program.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one command with `--kubeconfig` added; console output is captured, not shown. `onStderr`
 * sees each line (or chunk) as it is printed, so a test can wait for a command to report progress.
 */
export async function runTiphys(
  kubeconfigPath: string,
  args: string[],
  options: { onStderr?: (line: string) => void } = {},
): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  const writeErr = process.stderr.write;
  console.log = (...parts: unknown[]) => void out.push(`${format(...parts)}\n`);
  console.error = (...parts: unknown[]) => {
    const line = format(...parts);
    err.push(`${line}\n`);
    options.onStderr?.(line);
  };
  // Commander writes its own usage errors straight to stderr. (Not stdout: the test runner's
  // child process reports its results there.)
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    options.onStderr?.(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await runCli([...args, '--kubeconfig', kubeconfigPath]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    console.log = log;
    console.error = error;
    process.stderr.write = writeErr;
  }
}

/** Direct API access for a test's own setup and checks, beside the CLI under test. */
export function testRest(kubeconfigPath: string): KubeRest {
  return new KubeRest(loadKubeConfig(kubeconfigPath));
}

/**
 * Runs `node bin/tiphys.mjs …` as its own process with KUBECONFIG set, as a person or CI does:
 * this also proves the command exits by itself (no handle left open) within `timeoutMs`.
 */
export function runTiphysProcess(
  kubeconfigPath: string,
  args: string[],
  timeoutMs = 60_000,
): Promise<CliResult> {
  const bin = fileURLToPath(new URL('../../../bin/tiphys.mjs', import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, KUBECONFIG: kubeconfigPath }, timeout: timeoutMs, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`tiphys ${args.join(' ')}: ${error.message}\n${stderr}`));
          return;
        }
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}
