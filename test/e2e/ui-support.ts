// Shared set-up of the browser tests: the whole stack as a user meets it (a testbed cluster with
// Tiphys installed, a Git server holding the examples, the controller, and the API server with its
// real authentication serving the built UI), and a headless Chromium with a console watch.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type Browser, chromium, type Page } from 'playwright-core';
import { loadKubeConfig } from '../../src/adapters/kube/install.ts';
import type { Controller } from '../../src/controller/controller.ts';
import { buildServer } from '../../src/server/app.ts';
import { createAuthService, ensureAdminAccount } from '../../src/server/auth/index.ts';
import {
  createExamplesRepo,
  type Env,
  initialAdminPassword,
  NAMESPACE,
  startEnv,
  startInProcessController,
} from './support.ts';

export const repoRoot = join(import.meta.dirname, '..', '..');
export const resultsDir = join(repoRoot, 'test-results');
const uiDir = join(repoRoot, 'ui');
const distIndex = join(uiDir, 'dist', 'index.html');

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))));
}

/** Builds the UI (`npm run build`) when ui/dist is missing or older than the sources. */
export function ensureUiBuilt(): void {
  const sources = [join(uiDir, 'src'), join(uiDir, 'index.html'), join(uiDir, 'vite.config.ts')];
  if (existsSync(distIndex) && statSync(distIndex).mtimeMs >= Math.max(...sources.map(newestMtime))) return;
  const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: repoRoot, encoding: 'utf8' });
  if (result.status !== 0 || !existsSync(distIndex)) {
    throw new Error(`npm run build failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}

export interface UiStack {
  env: Env;
  controller: Controller;
  server: FastifyInstance;
  /** Where the server listens, like http://127.0.0.1:41234 (no trailing slash). */
  baseUrl: string;
  /** The Git URL of the examples config repo. */
  repo: string;
  adminPassword: string;
  stop(): Promise<void>;
}

export async function startUiStack(
  name: string,
  options: { controller?: Parameters<typeof startInProcessController>[1] } = {},
): Promise<UiStack> {
  ensureUiBuilt();
  const env = await startEnv(name);
  const stops: (() => Promise<unknown>)[] = [() => env.stop()];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    const repo = await createExamplesRepo(env);
    const kubeConfig = loadKubeConfig(env.cluster.kubeconfigPath);
    await ensureAdminAccount(kubeConfig, NAMESPACE);
    const controller = startInProcessController(env, options.controller);
    await controller.start();
    stops.push(() => controller.stop());
    const log = process.env.TIPHYS_TEST_LOG ? (line: string) => console.error(`[server] ${line}`) : () => {};
    const auth = await createAuthService({ kubeConfig, namespace: NAMESPACE, log });
    const server = await buildServer({
      kubeConfig,
      namespace: NAMESPACE,
      auth,
      controller,
      tools: env.tools,
      uiDir: join(uiDir, 'dist'),
      log,
    });
    stops.push(() => server.close());
    const baseUrl = (await server.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
    const adminPassword = await initialAdminPassword(env);
    return { env, controller, server, baseUrl, repo, adminPassword, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing; install Debian's chromium package (apt-get install chromium)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Every console error and uncaught exception of the page, as text, in order. */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(resultsDir, { recursive: true });
  const path = join(resultsDir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/**
 * Runs `steps` in a page of a fresh browser context, logged in by the session cookie when a
 * token is given; a failure saves the screenshot `<name>-failure` (in test-results/) before it
 * is thrown, and the context is closed either way. `steps` gets the page and its console errors.
 */
export async function inPage(
  browser: Browser,
  name: string,
  session: { baseUrl: string; token?: string },
  steps: (page: Page, errors: string[]) => Promise<void>,
): Promise<void> {
  const context = await browser.newContext();
  try {
    if (session.token)
      await context.addCookies([{ name: 'tiphys.token', value: session.token, url: session.baseUrl }]);
    const page = await context.newPage();
    const errors = watchConsole(page);
    await screenshotOnFailure(page, `${name}-failure`, () => steps(page, errors));
  } finally {
    await context.close();
  }
}

/** Runs `fn`; when it fails, saves the screenshot `name` (in test-results/) before throwing. */
export async function screenshotOnFailure(page: Page, name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    await screenshot(page, name).catch(() => {});
    throw error;
  }
}

/**
 * A page of its own 1440 × 900 context, logged in as admin through the login form; returned once
 * the app list shows the row of `app`, with the page's console errors.
 */
export async function adminPage(
  browser: Browser,
  stack: UiStack,
  app: string,
  timeoutMs: number,
): Promise<{ page: Page; errors: string[] }> {
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  page.setDefaultTimeout(timeoutMs);
  const errors = watchConsole(page);
  await page.goto(stack.baseUrl);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(stack.adminPassword);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.locator(`a.app-row[data-app="${app}"]`).waitFor();
  return { page, errors };
}
