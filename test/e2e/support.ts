// Shared set-up of the end-to-end tests: a testbed cluster with Tiphys installed, a Git server
// holding the example apps, the controller (in-process or a real process), AppProjects, and the
// API server with an admin session and project tokens.
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { installTiphys, loadKubeConfig } from '../../src/adapters/kube/install.ts';
import { KubeRest } from '../../src/adapters/kube/rest.ts';
import { Controller, type ControllerOptions } from '../../src/controller/controller.ts';
import type { KubeObject } from '../../src/core/manifest/object.ts';
import type { Application } from '../../src/core/model/application.ts';
import { buildServer, type ServerOptions } from '../../src/server/app.ts';
import {
  type AuthService,
  type AuthServiceOptions,
  createAuthService,
  ensureAdminAccount,
  INITIAL_ADMIN_SECRET,
} from '../../src/server/auth/index.ts';
import { ensureTestbedBinaries } from '../../testbed/src/binaries.ts';
import { startCluster, type TestCluster } from '../../testbed/src/cluster.ts';
import { type GitServer, startGitServer } from '../../testbed/src/git-server.ts';
import { sharedExamplesDir } from '../../testbed/src/shared-examples.ts';

export const examplesDir = sharedExamplesDir();
export const NAMESPACE = 'tiphys';

export interface Env {
  cluster: TestCluster;
  git: GitServer;
  rest: KubeRest;
  tools: { helm: string; kustomize: string; jsonnet?: string };
  stop(): Promise<void>;
}

export async function startEnv(name: string, options: { realNode?: boolean } = {}): Promise<Env> {
  const bins = await ensureTestbedBinaries();
  const [cluster, git] = await Promise.all([
    startCluster({ name, ...(options.realNode ? { realNode: true } : {}) }),
    startGitServer(),
  ]);
  await installTiphys({ kubeconfigPath: cluster.kubeconfigPath });
  const rest = new KubeRest(loadKubeConfig(cluster.kubeconfigPath));
  return {
    cluster,
    git,
    rest,
    tools: { helm: bins.helm, kustomize: bins.kustomize, jsonnet: bins['tiphys-jsonnet'] },
    async stop() {
      rest.close();
      await git.close();
      await cluster.stop();
    },
  };
}

/** A temporary folder holding these files (path → content), e.g. to create a Git repo from. */
export function writeFolder(files: Record<string, string>, prefix = 'tiphys-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** A repo holding every example app side by side, as a config repo would. */
export async function createExamplesRepo(env: Env, name = 'config'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tiphys-examples-'));
  cpSync(examplesDir, dir, { recursive: true });
  const { url } = await env.git.createRepo(name, dir);
  rmSync(dir, { recursive: true, force: true });
  return url;
}

export function startInProcessController(
  env: Env,
  options: { pollIntervalMs?: number } & Pick<
    ControllerOptions,
    'recoveryActions' | 'clusterProbeIntervalMs'
  > = {},
): Controller {
  const controller = new Controller({
    ...(options.recoveryActions ? { recoveryActions: options.recoveryActions } : {}),
    ...(options.clusterProbeIntervalMs ? { clusterProbeIntervalMs: options.clusterProbeIntervalMs } : {}),
    kubeConfig: loadKubeConfig(env.cluster.kubeconfigPath),
    namespace: NAMESPACE,
    tools: env.tools,
    cacheDir: mkdtempSync(join(tmpdir(), 'tiphys-ctrl-')),
    leaderElection: false,
    pollIntervalMs: options.pollIntervalMs ?? 180_000,
    log: process.env.TIPHYS_TEST_LOG ? (m) => console.error(`[controller] ${m}`) : undefined,
  });
  return controller;
}

/** `tiphys controller` as a real process (for kill and restart tests). */
export function startControllerProcess(
  env: Env,
  extraArgs: string[] = [],
  extraEnv: Record<string, string> = {},
): ChildProcess {
  const bin = join(import.meta.dirname, '..', '..', 'bin', 'tiphys.mjs');
  const child = spawn(
    process.execPath,
    [bin, 'controller', '--kubeconfig', env.cluster.kubeconfigPath, '--port', '0', ...extraArgs],
    {
      env: {
        ...process.env,
        TIPHYS_HELM_BIN: env.tools.helm,
        TIPHYS_KUSTOMIZE_BIN: env.tools.kustomize,
        ...extraEnv,
      },
      stdio: ['ignore', 'ignore', process.env.TIPHYS_TEST_LOG ? 'inherit' : 'ignore'],
    },
  );
  process.once('exit', () => child.kill('SIGKILL'));
  return child;
}

export function applicationObject(name: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: NAMESPACE },
    spec,
  };
}

export async function createApp(env: Env, name: string, spec: Record<string, unknown>): Promise<void> {
  await env.rest.request('POST', `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/applications`, {
    body: applicationObject(name, spec),
  });
}

export function getApp(env: Env, name: string): Promise<Application> {
  return env.rest.request<Application>(
    'GET',
    `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/applications/${name}`,
  );
}

export function patchApp(env: Env, name: string, body: unknown): Promise<Application> {
  return env.rest.request<Application>(
    'PATCH',
    `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/applications/${name}`,
    {
      body,
      contentType: 'application/merge-patch+json',
    },
  );
}

/** Polls `check` until it returns a value, or fails with the last state seen. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
  describe?: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(200);
  }
  const detail = describe ? await describe().catch((e) => String(e)) : '';
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (${String(lastError)})` : ''}\n${detail}`,
  );
}

export async function waitForApp(
  env: Env,
  name: string,
  predicate: (app: Application) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<Application> {
  return eventually(
    `${name}: ${what}`,
    async () => {
      const app = await getApp(env, name);
      return predicate(app) ? app : undefined;
    },
    timeoutMs,
    async () => JSON.stringify((await getApp(env, name)).status, null, 1).slice(0, 4000),
  );
}

export const syncedAndHealthy = (app: Application) =>
  app.status?.sync?.status === 'Synced' && app.status?.health?.status === 'Healthy';

/** The Pod at `path` once it is Running (a hook Pod the test holds open). */
type PodLike = KubeObject & { status?: { phase?: string } };

export function runningPod(env: Env, path: string, timeoutMs: number): Promise<PodLike> {
  return eventually(
    `the Pod ${path} to run`,
    async () => {
      const found = (await readObject(env, path)) as
        | (KubeObject & { status?: { phase?: string } })
        | undefined;
      return found?.status?.phase === 'Running' ? found : undefined;
    },
    timeoutMs,
  );
}

export async function readObject(env: Env, path: string): Promise<KubeObject | undefined> {
  try {
    return await env.rest.request<KubeObject>('GET', path);
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}

/** The admin password `ensureAdminAccount` generated (until `admin initial-password` removes it). */
export async function initialAdminPassword(env: Env): Promise<string> {
  const secret = await env.rest.request<{ data?: Record<string, string> }>(
    'GET',
    `/api/v1/namespaces/${NAMESPACE}/secrets/${INITIAL_ADMIN_SECRET}`,
  );
  const encoded = secret.data?.password;
  if (!encoded) throw new Error(`Secret ${INITIAL_ADMIN_SECRET} has no password`);
  return Buffer.from(encoded, 'base64').toString('utf8');
}

/** Creates the AppProject `name` in the control namespace with this spec. */
export async function createProject(env: Env, name: string, spec: Record<string, unknown>): Promise<void> {
  await env.rest.request('POST', `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/appprojects`, {
    body: { apiVersion: 'tiphys.dev/v1alpha1', kind: 'AppProject', metadata: { name }, spec },
  });
}

export interface TestApiServer {
  /** http://127.0.0.1:port, no trailing slash. */
  base: string;
  server: Awaited<ReturnType<typeof buildServer>>;
  auth: AuthService;
}

/**
 * The API server of a test on a free local port: the admin account ensured, an auth service,
 * no web UI. `auth` and `server` options go to createAuthService and buildServer as they are.
 */
export async function startApiServer(
  env: Env,
  options: { auth?: Partial<AuthServiceOptions>; server?: Partial<ServerOptions> } = {},
): Promise<TestApiServer> {
  const kubeConfig = loadKubeConfig(env.cluster.kubeconfigPath);
  await ensureAdminAccount(kubeConfig, NAMESPACE);
  const auth = await createAuthService({ kubeConfig, namespace: NAMESPACE, log: () => {}, ...options.auth });
  const server = await buildServer({
    kubeConfig,
    namespace: NAMESPACE,
    auth,
    tools: env.tools,
    uiDir: '/nonexistent',
    ...options.server,
  });
  const base = (await server.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
  return { base, server, auth };
}

/** Logs in as admin with the initial password; the session's bearer token (a refused login throws). */
export async function loginAsAdmin(env: Env, base: string): Promise<string> {
  const login = await fetch(`${base}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: await initialAdminPassword(env) }),
  });
  const text = await login.text();
  if (login.status !== 200) throw new Error(`admin login: ${login.status} ${text}`);
  return (JSON.parse(text) as { token: string }).token;
}

/** A project role's token (`{project, role}`) or an account token, made by `token`'s owner (201 or it throws). */
export async function createToken(
  base: string,
  token: string,
  body: Record<string, unknown>,
): Promise<string> {
  const created = await fetch(`${base}/api/v1/account/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await created.text();
  if (created.status !== 201) throw new Error(`token ${JSON.stringify(body)}: ${created.status} ${text}`);
  return (JSON.parse(text) as { token: string }).token;
}
