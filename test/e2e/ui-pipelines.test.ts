// The pipelines page in a real browser against the whole stack: stages side by side, the freight
// waiting at prod with its gates, Approve, the promotion arriving live, and Roll back. The page is
// never reloaded, and the controller's first status change arrives over the pipelines' stream
// alone (no list request in between).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page, Request } from 'playwright-core';
import { createApp, NAMESPACE } from './support.ts';
import { launchBrowser, screenshot, startUiStack, type UiStack, watchConsole } from './ui-support.ts';

/** Waits for state the test observes (a generous limit for a loaded machine, not a speed claim). */
async function until(what: string, check: () => boolean, patienceMs = 60_000): Promise<void> {
  const deadline = Date.now() + patienceMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const overlay = (tag: string) =>
  `resources: [../../base]\nimages:\n  - name: hello\n    newName: registry.local/hello\n    newTag: ${tag}\n`;
const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: { name: hello }
spec:
  replicas: 1
  selector: { matchLabels: { app: hello } }
  template:
    metadata: { labels: { app: hello } }
    spec: { containers: [{ name: web, image: hello }] }
`;

describe('UI: pipelines page', () => {
  let stack: UiStack;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  before(async () => {
    stack = await startUiStack('ui-pipelines');
    const dir = mkdtempSync(join(tmpdir(), 'tiphys-ui-pipeline-'));
    const files = {
      'base/kustomization.yaml': 'resources: [deployment.yaml]\n',
      'base/deployment.yaml': DEPLOYMENT,
      'overlays/dev/kustomization.yaml': overlay('1.0.0'),
      'overlays/prod/kustomization.yaml': overlay('1.0.0'),
    };
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    const { url } = await stack.env.git.createRepo('web-config', dir);
    rmSync(dir, { recursive: true, force: true });
    for (const stage of ['dev', 'prod']) {
      await createApp(stack.env, `web-${stage}`, {
        source: { repoURL: url, path: `overlays/${stage}` },
        destination: { namespace: `web-${stage}` },
        syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
      });
    }
    await stack.env.rest.request('POST', `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/pipelines`, {
      body: {
        apiVersion: 'tiphys.dev/v1alpha1',
        kind: 'Pipeline',
        metadata: { name: 'web' },
        spec: {
          project: 'default',
          repoURL: url,
          layout: 'overlays',
          stages: [
            { name: 'dev', applications: ['web-dev'], path: 'overlays/dev' },
            { name: 'prod', applications: ['web-prod'], path: 'overlays/prod', approval: true },
          ],
        },
      },
    });
    browser = await launchBrowser();
    page = await browser.newPage();
    errors = watchConsole(page);
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const card = (stage: string) => page.locator(`section[data-pipeline="web"] [data-stage="${stage}"]`);

  test('approve, see the promotion arrive live, roll back', async () => {
    try {
      const isList = (request: Request) => new URL(request.url()).pathname === '/api/v1/pipelines';
      const lists = { sent: 0, done: 0 };
      page.on('request', (request) => {
        if (isList(request)) lists.sent++;
      });
      page.on('requestfinished', (request) => {
        if (isList(request)) lists.done++;
      });
      await page.goto(stack.baseUrl);
      await page.getByLabel('Username').fill('admin');
      await page.getByLabel('Password').fill(stack.adminPassword);
      await page.getByRole('button', { name: 'Log in', exact: true }).click();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pipelines' }).click();
      await card('prod')
        .locator('[data-current]', { hasText: 'registry.local/hello:1.0.0' })
        .waitFor({ timeout: 120_000 });
      await card('dev').waitFor();
      await page.locator('.page[data-live="live"]').waitFor();
      // A full reload would lose this; it must still be there at the end.
      await page.evaluate(() => {
        (globalThis as { pipelinesMarker?: string }).pipelinesMarker = 'not reloaded';
      });
      // The page lists on mount and once more when its stream opens; after those, nothing more.
      await until('the two first list answers', () => lists.done >= 2 && lists.done === lists.sent);
      const listed = lists.sent;

      await stack.env.git.commitFiles(
        'web-config',
        { 'overlays/dev/kustomization.yaml': overlay('1.0.1') },
        'CI: 1.0.1',
      );
      // As a push webhook would (the apps poll Git every 3 minutes here).
      stack.controller.refresh('web-dev');
      await card('prod').locator('[data-gate="approval"][data-passed="false"]').waitFor({ timeout: 120_000 });
      assert.equal(lists.sent, listed, 'the waiting freight came over the stream, not by listing again');
      await card('prod').getByRole('button', { name: 'Approve' }).click();
      await card('prod')
        .locator('[data-current]', { hasText: 'registry.local/hello:1.0.1' })
        .waitFor({ timeout: 120_000 });
      await card('prod')
        .getByText(/promote \w+ by tiphys \(automatic\): Committed/)
        .waitFor({ state: 'attached' });

      await card('prod')
        .getByLabel('Roll prod back to')
        .selectOption({ label: 'registry.local/hello:1.0.0' });
      await card('prod').getByRole('button', { name: 'Roll back' }).click();
      await card('prod')
        .locator('[data-current]', { hasText: 'registry.local/hello:1.0.0' })
        .waitFor({ timeout: 120_000 });
      await card('prod')
        .getByText(/rollback \w+ by admin: Committed/)
        .waitFor({ state: 'attached' });
      assert.equal(
        await page.evaluate(() => (globalThis as { pipelinesMarker?: string }).pipelinesMarker),
        'not reloaded',
      );
      assert.deepEqual(errors, []);
    } catch (error) {
      await screenshot(page, 'ui-pipelines-failure').catch(() => {});
      throw error;
    }
  });
});
