// The preview page in a real browser (Debian's Chromium) against a real cluster, controller and
// API server: from the app page a reviewer enters a branch and sees what syncing it would change,
// the branch's Secret masked; a branch that does not exist is an error on the page; nothing of
// the app or the cluster changes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createApp, getApp, readObject, syncedAndHealthy, waitForApp } from './support.ts';
import {
  adminPage,
  launchBrowser,
  screenshot,
  screenshotOnFailure,
  startUiStack,
  type UiStack,
} from './ui-support.ts';

const BRANCH_SECRET = 'branch-secret-never-on-the-page';

const files = (greeting: string, password: string) => ({
  'app/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: greeting\ndata:\n  greeting: ${greeting}\n`,
  'app/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: login\nstringData:\n  password: ${password}\n`,
});

describe('UI: preview of a revision', () => {
  let stack: UiStack;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let mainCommit: string;

  before(async () => {
    stack = await startUiStack('ui-preview');
    const { env } = stack;
    await env.git.createRepo('shop');
    mainCommit = await env.git.commitFiles('shop', files('one', 'main-password'), 'main');
    await env.git.createBranch('shop', 'review', 'main');
    await env.git.commitFiles('shop', files('two', BRANCH_SECRET), 'a pull request', { branch: 'review' });
    await createApp(env, 'shop', {
      source: { repoURL: env.git.repoUrl('shop'), path: 'app', targetRevision: 'main' },
      destination: { namespace: 'shop' },
      syncPolicy: { automated: {}, syncOptions: ['CreateNamespace=true'] },
    });
    await waitForApp(env, 'shop', syncedAndHealthy, 'synced', 120_000);
    browser = await launchBrowser();
    ({ page, errors } = await adminPage(browser, stack, 'shop', 60_000));
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const step = (name: string, fn: () => Promise<void>) => screenshotOnFailure(page, `failure-${name}`, fn);

  test('a branch entered from the app page shows its changes, the Secret masked, and writes nothing', () =>
    step('ui-preview', async () => {
      await page.goto(`${stack.baseUrl}/#/applications/shop`);
      await page.getByRole('link', { name: 'Preview a revision' }).click();
      await page.getByLabel('Revision to preview').fill('review');
      await page.getByRole('button', { name: 'Preview', exact: true }).click();
      const result = page.getByTestId('preview-result');
      await result.getByText('/ConfigMap/shop/greeting').waitFor();
      assert.match(page.url(), /#\/applications\/shop\/preview\?revision=review$/);
      const text = (await result.textContent()) ?? '';
      assert.match(text, /\+\s*greeting: two/);
      assert.match(text, /-\s*greeting: one/);
      assert.match(text, /\/Secret\/shop\/login/);
      const html = await page.content();
      assert.ok(!html.includes(BRANCH_SECRET), 'the branch Secret is masked');
      assert.ok(!html.includes(Buffer.from(BRANCH_SECRET).toString('base64')));
      await screenshot(page, 'ui-preview');

      // A branch that does not exist: the page says so, no result is shown.
      await page.getByLabel('Revision to preview').fill('no-such-branch');
      await page.getByRole('button', { name: 'Preview', exact: true }).click();
      await page
        .locator('.error-box')
        .getByText(/Preview of no-such-branch: .*no-such-branch/)
        .waitFor();
      assert.equal(await page.getByTestId('preview-result').count(), 0);

      const app = await getApp(stack.env, 'shop');
      assert.equal(app.status?.sync?.revision, mainCommit, 'the app still at main');
      assert.equal(app.operation, undefined);
      const cm = await readObject(stack.env, '/api/v1/namespaces/shop/configmaps/greeting');
      assert.equal((cm?.data as Record<string, string> | undefined)?.greeting, 'one');
      // The browser logs the refused request itself; anything else would be the page's error.
      const expected =
        /Failed to load resource: .* 409 \(Conflict\) \(.*\/api\/v1\/applications\/shop\/preview\)$/;
      assert.deepEqual(
        errors.filter((e) => !expected.test(e)),
        [],
      );
    }));
});
