// The web UI in a real browser against the real stack: log in with the initial admin password,
// find an app, read its resource tree, sync it and watch it turn Synced and Healthy without a
// reload, roll it back from the history, and never a console error on the way.
import assert from 'node:assert/strict';
import { globSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { createApp, examplesDir, readObject, waitForApp } from './support.ts';
import {
  launchBrowser,
  resultsDir,
  screenshot,
  startUiStack,
  type UiStack,
  watchConsole,
} from './ui-support.ts';

const LIVE = 90_000;
const DEPLOYMENT = '/apis/apps/v1/namespaces/guestbook/deployments/guestbook-ui';
const short = (sha: string) => sha.slice(0, 7);

/** Waits until the locator matches exactly `n` elements. */
async function countIs(locator: Locator, n: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let count = await locator.count();
  while (count !== n) {
    if (Date.now() > deadline) throw new Error(`expected ${n} of ${locator}, found ${count}`);
    await sleep(100);
    count = await locator.count();
  }
}

describe('web UI', () => {
  let stack: UiStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let firstRevision = '';

  before(async () => {
    for (const file of globSync(join(resultsDir, 'failure-*.png'))) rmSync(file);
    stack = await startUiStack('ui');
    // Manual sync, so the Sync button is what deploys it.
    await createApp(stack.env, 'guestbook', {
      source: { repoURL: stack.repo, path: 'guestbook' },
      destination: { namespace: 'guestbook' },
      syncPolicy: { syncOptions: ['CreateNamespace=true'] },
    });
    await createApp(stack.env, 'kustomize-guestbook', {
      source: { repoURL: stack.repo, path: 'kustomize-guestbook' },
      destination: { namespace: 'kustomize-guestbook' },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
    });
    const compared = await waitForApp(
      stack.env,
      'guestbook',
      (app) => app.status?.sync?.status === 'OutOfSync' && Boolean(app.status.sync.revision),
      'compared, not synced',
    );
    firstRevision = compared.status?.sync?.revision ?? '';
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(30_000);
    errors = watchConsole(page);
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** Runs a step; on failure keeps a screenshot of the page in test-results/. */
  async function step(name: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (error) {
      await screenshot(page, `failure-${name}`).catch(() => {});
      throw error;
    }
  }

  const header = () => page.locator('section.app-header');
  const headerBadge = (kind: 'health' | 'sync', status: string) =>
    header().locator(`.app-title [data-badge="${kind}"][data-status="${status}"]`);

  test('logs in as admin with the initial password', () =>
    step('login', async () => {
      await page.goto(stack.baseUrl);
      await page.getByLabel('Username').fill('admin');
      await page.getByLabel('Password').fill(stack.adminPassword);
      await page.getByRole('button', { name: 'Log in', exact: true }).click();
      await page.locator('.topnav .user', { hasText: 'admin' }).waitFor();
      await page.locator('.live-live').waitFor();
      assert.equal(await page.getByRole('link', { name: 'Log in with SSO' }).count(), 0);
      // Anything that reloads the page from here on would drop this marker.
      await page.evaluate('window.tiphysTestMarker = 1');
    }));

  test('finds guestbook in the list with the search box', () =>
    step('list', async () => {
      const rows = page.locator('a.app-row[data-app]');
      await page.locator('a.app-row[data-app="kustomize-guestbook"]').waitFor();
      assert.equal(await rows.count(), 2);
      const row = page.locator('a.app-row[data-app="guestbook"]');
      await row.locator('[data-badge="sync"][data-status="OutOfSync"]').waitFor();
      await row.getByText(short(firstRevision)).waitFor();
      await page
        .locator('a.app-row[data-app="kustomize-guestbook"] [data-status="Synced"]')
        .waitFor({ timeout: LIVE });
      await screenshot(page, 'ui-application-list');

      await page.getByLabel('Search applications').fill('kustomize');
      await countIs(rows, 1);
      assert.equal(await rows.first().getAttribute('data-app'), 'kustomize-guestbook');
      await page.getByLabel('Search applications').fill('guestbook');
      await countIs(rows, 2);
      await page.getByLabel('Search applications').fill('');
      await page.getByRole('button', { name: /OutOfSync/ }).click();
      await countIs(rows, 1);
      assert.equal(await rows.first().getAttribute('data-app'), 'guestbook');
      await page.getByRole('button', { name: 'Clear filters' }).first().click();
      await page.getByLabel('Search applications').fill('guestbook');
      await row.click();
      await page.getByRole('heading', { name: 'guestbook', exact: true }).waitFor();
      assert.match(page.url(), /#\/applications\/guestbook$/);
    }));

  test('syncs from the Sync dialog and turns Synced and Healthy live', () =>
    step('sync', async () => {
      await headerBadge('sync', 'OutOfSync').waitFor();
      await page.locator('.node[data-kind="Deployment"][data-health="Missing"]').waitFor();
      await page.getByRole('button', { name: 'Sync', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: 'Sync guestbook' });
      await dialog.getByLabel('Deployment guestbook/guestbook-ui').waitFor();
      assert.equal(await dialog.getByLabel('Service guestbook/guestbook-ui').isChecked(), true);
      assert.equal(await dialog.getByLabel(/Prune/).isChecked(), false);
      await dialog.getByRole('button', { name: 'Synchronize' }).click();
      await dialog.waitFor({ state: 'detached' });
      await headerBadge('sync', 'Synced').waitFor({ timeout: LIVE });
      await headerBadge('health', 'Healthy').waitFor({ timeout: LIVE });
      await header().locator('[data-badge="operation"][data-status="Succeeded"]').waitFor({ timeout: LIVE });
      assert.ok(await readObject(stack.env, DEPLOYMENT), 'the Deployment exists');
    }));

  test('shows the resource tree: Application → Deployment → ReplicaSet → Pod', () =>
    step('tree', async () => {
      const node = (kind: string, more = '') => page.locator(`.node[data-kind="${kind}"]${more}`);
      await node('Pod').first().waitFor({ timeout: LIVE });
      await node('Pod', '[data-health="Healthy"]').first().waitFor({ timeout: LIVE });
      await node('Deployment', '[data-health="Healthy"][data-sync="Synced"]').waitFor();
      assert.equal(await node('Application').count(), 1);
      assert.equal(await node('Service').count(), 1);
      assert.equal(await node('ReplicaSet').count(), 1);
      // Layered left to right: each level sits in a column right of its owner.
      const x = async (kind: string) => (await node(kind).first().boundingBox())?.x ?? Number.NaN;
      const columns = [await x('Application'), await x('Deployment'), await x('ReplicaSet'), await x('Pod')];
      assert.deepEqual(
        [...columns].sort((a, b) => a - b),
        columns,
        `columns left to right: ${columns}`,
      );
      assert.equal(await page.locator('path.edge').count(), 4);
      await screenshot(page, 'ui-resource-tree');
    }));

  test('a node opens its panel: live and desired manifests, diff, events', () =>
    step('panel', async () => {
      await page.locator('.node[data-kind="Deployment"]').click();
      const panel = page.getByRole('complementary', { name: 'Deployment guestbook-ui' });
      await panel.locator('pre.code', { hasText: 'tiphys.dev/tracking-id' }).waitFor();
      await panel.getByRole('tab', { name: 'Desired manifest' }).click();
      await panel.locator('pre.code', { hasText: 'gb-frontend:v5' }).waitFor();
      await panel.getByRole('tab', { name: 'Diff' }).click();
      await panel.getByText('No differences: the cluster matches Git.').waitFor({ timeout: LIVE });
      await panel.getByRole('tab', { name: 'Events' }).click();
      await panel.getByText('ScalingReplicaSet').waitFor({ timeout: LIVE });
      await screenshot(page, 'ui-resource-panel');
      await panel.getByRole('button', { name: 'Close panel' }).click();
      await panel.waitFor({ state: 'detached' });

      // A child Kubernetes made: its live manifest, and no desired one.
      const pod = page.locator('.node[data-kind="Pod"]').first();
      const podName = (await pod.getAttribute('data-name')) ?? '';
      await pod.click();
      const podPanel = page.getByRole('complementary', { name: `Pod ${podName}` });
      await podPanel.locator('pre.code', { hasText: 'ownerReferences' }).waitFor();
      await podPanel.getByRole('tab', { name: 'Desired manifest' }).click();
      await podPanel.getByText(/Not in Git/).waitFor();
      await podPanel.getByRole('button', { name: 'Close panel' }).click();
    }));

  test('a new commit shows OutOfSync after Refresh; History rolls back to the first revision', () =>
    step('rollback', async () => {
      const manifest = readFileSync(join(examplesDir, 'guestbook', 'guestbook-ui-deployment.yaml'), 'utf8');
      assert.match(manifest, /replicas: 1\b/);
      const secondRevision = await stack.env.git.commitFiles(
        'config',
        { 'guestbook/guestbook-ui-deployment.yaml': manifest.replace(/replicas: 1\b/, 'replicas: 2') },
        'guestbook: two replicas',
      );
      await page.getByRole('button', { name: 'Refresh', exact: true }).click();
      await headerBadge('sync', 'OutOfSync').waitFor({ timeout: LIVE });
      await page.getByRole('button', { name: 'Sync', exact: true }).click();
      const syncDialog = page.getByRole('dialog', { name: 'Sync guestbook' });
      await syncDialog.getByRole('button', { name: 'Synchronize' }).click();
      await page.getByTestId('revision').getByText(short(secondRevision)).waitFor({ timeout: LIVE });
      await headerBadge('sync', 'Synced').waitFor({ timeout: LIVE });
      await page.locator('.node[data-kind="Pod"]').nth(1).waitFor({ timeout: LIVE });

      await page.getByRole('button', { name: 'History', exact: true }).click();
      const history = page.getByRole('dialog', { name: 'History of guestbook' });
      const rows = history.locator('tbody tr');
      await countIs(page.locator('dialog[open] tbody tr'), 2);
      assert.match((await rows.nth(0).textContent()) ?? '', new RegExp(short(secondRevision)));
      const first = rows.nth(1);
      assert.match((await first.textContent()) ?? '', new RegExp(short(firstRevision)));
      await first.getByRole('button', { name: 'Rollback' }).click();
      await first.getByRole('button', { name: 'Confirm rollback' }).click();
      await history.waitFor({ state: 'detached' });

      // Deployed the first revision again; Git's HEAD is the second, so the app is OutOfSync.
      await page.getByTestId('revision').getByText(short(firstRevision)).waitFor({ timeout: LIVE });
      await headerBadge('sync', 'OutOfSync').waitFor({ timeout: LIVE });
      const deployment = (await readObject(stack.env, DEPLOYMENT)) as unknown as {
        spec: { replicas: number };
      };
      assert.equal(deployment.spec.replicas, 1);
      await page.getByRole('button', { name: 'History', exact: true }).click();
      await countIs(page.locator('dialog[open] tbody tr'), 3);
      await page
        .getByRole('dialog', { name: 'History of guestbook' })
        .getByRole('button', { name: 'Close' })
        .click();
    }));

  test('clusters and repositories pages are reachable from the top navigation', () =>
    step('nav', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Clusters' }).click();
      await page.locator('tr[data-cluster="in-cluster"]').waitFor();
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Repositories' })
        .click();
      await page.getByText('No repositories registered.').waitFor();
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Applications' })
        .click();
      await page.locator('a.app-row[data-app="guestbook"]').waitFor();
    }));

  test('never reloaded, and no console errors', async () => {
    const marker = await page.evaluate('window.tiphysTestMarker');
    assert.equal(marker, 1, 'the page was never reloaded');
    assert.deepEqual(errors, []);
  });
});
