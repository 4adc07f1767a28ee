// The resource panel's Actions menu and Logs tab in a real browser (Debian's Chromium) against
// a real cluster, controller and API server: a restart from the menu changes the live
// Deployment, and the Logs tab of a Pod on a kwok node (which serves no logs) says why in place
// of lines, not an error box.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { KubeObject } from '../../src/core/manifest/object.ts';
import { createApp, waitForApp } from './support.ts';
import {
  adminPage,
  launchBrowser,
  screenshot,
  screenshotOnFailure,
  startUiStack,
  type UiStack,
} from './ui-support.ts';

const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

describe('UI: resource actions and logs', () => {
  let stack: UiStack;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  before(async () => {
    stack = await startUiStack('ui-resources');
    await createApp(stack.env, 'hello', {
      source: { repoURL: stack.repo, path: 'guestbook' },
      destination: { namespace: 'guestbook' },
      syncPolicy: { automated: {}, syncOptions: ['CreateNamespace=true'] },
    });
    await waitForApp(stack.env, 'hello', (a) => a.status?.sync?.status === 'Synced', 'synced', 120_000);
    browser = await launchBrowser();
    ({ page, errors } = await adminPage(browser, stack, 'hello', 30_000));
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const step = (name: string, fn: () => Promise<void>) => screenshotOnFailure(page, `failure-${name}`, fn);

  async function waitUntil(check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('the restarted Deployment did not finish its rollout');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  const readDeployment = () =>
    stack.env.rest.request<KubeObject>('GET', '/apis/apps/v1/namespaces/guestbook/deployments/guestbook-ui');

  test('the Actions menu restarts the Deployment', () =>
    step('ui-actions', async () => {
      await page.goto(`${stack.baseUrl}/#/applications/hello`);
      await page.locator('.node[data-kind="Deployment"]').click();
      const panel = page.getByRole('complementary', { name: 'Deployment guestbook-ui' });
      await panel.getByRole('button', { name: /Actions/ }).click();
      const menu = panel.getByRole('menu', { name: 'Resource actions' });
      await menu.getByRole('menuitem', { name: 'scale' }).waitFor();
      await menu.getByRole('menuitem', { name: 'restart' }).click();
      await menu.getByRole('button', { name: 'Run' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: 'restart of Deployment guestbook/guestbook-ui done' })
        .waitFor();
      const template = (await readDeployment()).spec as {
        template: { metadata: { annotations?: Record<string, string> } };
      };
      assert.match(template.template.metadata.annotations?.[RESTARTED_AT] ?? '', /^\d{4}-/);
      await screenshot(page, 'ui-resource-actions');
    }));

  test("a Pod's Logs tab on a kwok node says why there are no lines", () =>
    step('ui-logs', async () => {
      // The restart above rolls the Pods over: wait until the rollout is done, then open the page
      // afresh, so the Pod clicked is one that stays.
      await waitUntil(async () => {
        const d = (await readDeployment()) as KubeObject & {
          metadata: { generation?: number };
          status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number };
          spec: { replicas?: number };
        };
        return (
          d.status?.observedGeneration === d.metadata.generation &&
          d.status?.updatedReplicas === (d.spec.replicas ?? 1) &&
          d.status?.replicas === (d.spec.replicas ?? 1)
        );
      });
      await page.goto(`${stack.baseUrl}/#/applications/hello`);
      await page.reload();
      await page.locator('.node[data-kind="Pod"]').first().click();
      const panel = page.locator('aside.panel');
      await panel.getByRole('tab', { name: 'Logs' }).click();
      await panel
        .getByText(/Logs not available: guestbook-ui-[\w-]+\/\S+: the node did not serve the log/)
        .first()
        .waitFor();
      assert.equal(await panel.locator('.error-box').count(), 0, 'no error box');
      await screenshot(page, 'ui-resource-logs');
      assert.deepEqual(errors, []);
    }));
});
