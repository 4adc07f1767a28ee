// The cluster page in a real browser against the whole stack: a registered cluster nobody runs is
// lost, its recovery (approve mode) waits; a read-only user sees the recovery but no Approve and
// gets 403 from the API when calling it directly; the admin approves in the page and watches the
// steps through to the apps synced on the replacement (the action hands back the control
// cluster's own credentials). No cluster credential ever reaches a page.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Cluster } from '../../src/core/model/cluster.ts';
import { parseRecoveryActions } from '../../src/core/model/recovery-actions.ts';
import { registerCluster } from '../../src/domain/clusters.ts';
import { createApp, createToken, eventually, loginAsAdmin, NAMESPACE } from './support.ts';
import { inPage, launchBrowser, startUiStack, type UiStack } from './ui-support.ts';

const LOST_TOKEN = 'lost-cluster-token-0123456789abcdefghij';
const clusterPath = `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/clusters/region-a`;

describe('UI: cluster page and recovery approval', () => {
  let stack: UiStack;
  let browser: Browser;
  let viewerToken: string;

  before(async () => {
    // Set before the stack starts the controller: the action needs the control cluster's address.
    const actions = new Map();
    stack = await startUiStack('ui-recovery', {
      controller: { recoveryActions: actions, clusterProbeIntervalMs: 1_000 },
    });
    const { env } = stack;
    const replacement = JSON.stringify({
      server: env.cluster.server,
      bearerToken: env.cluster.token,
      caData: env.cluster.ca,
    });
    for (const [name, action] of parseRecoveryActions(
      JSON.stringify({
        actions: {
          'reuse-control': {
            command: [process.execPath, '-e', 'process.stdout.write(process.env.REPLACEMENT)'],
            env: { REPLACEMENT: replacement },
            maxAttempts: 1,
          },
        },
      }),
      'test actions',
    ))
      actions.set(name, action);

    // A read-only project token (role:readonly: may get clusters, not update them).
    await env.rest.request('PATCH', `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/appprojects/default`, {
      body: { spec: { roles: [{ name: 'viewer' }] } },
      contentType: 'application/merge-patch+json',
    });
    await env.rest.request('POST', `/api/v1/namespaces/${NAMESPACE}/configmaps`, {
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'tiphys-rbac' },
        data: { 'policy.csv': 'g, proj:default:viewer, role:readonly\n' },
      },
    });
    const admin = await loginAsAdmin(env, stack.baseUrl);
    viewerToken = await createToken(stack.baseUrl, admin, { project: 'default', role: 'viewer' });

    await registerCluster(
      { rest: env.rest, namespace: NAMESPACE },
      { name: 'region-a', server: 'https://127.0.0.1:9', credentials: { bearerToken: LOST_TOKEN } },
      { replace: false },
    );
    await env.rest.request('PATCH', clusterPath, {
      body: {
        spec: {
          health: { lostAfterSeconds: 2, stableAfterSeconds: 1 },
          recovery: { mode: 'approve', action: 'reuse-control' },
        },
      },
      contentType: 'application/merge-patch+json',
    });
    await createApp(env, 'on-region-a', {
      source: { repoURL: stack.repo, path: 'guestbook' },
      destination: { cluster: 'region-a', namespace: 'on-region-a' },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
    });
    await eventually(
      'region-a waits for an approval',
      async () => {
        const c = await env.rest.request<Cluster>('GET', clusterPath);
        return c.status?.recovery?.phase === 'AwaitingApproval' ? c : undefined;
      },
      120_000,
    );
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const recovery = (page: Page) => page.locator('section[aria-label="Recovery"]');

  test('attacker: a read-only user sees the waiting recovery without Approve, and the API refuses it', async () => {
    await inPage(
      browser,
      'ui-recovery-viewer',
      { baseUrl: stack.baseUrl, token: viewerToken },
      async (page, errors) => {
        await page.goto(`${stack.baseUrl}/#/clusters/region-a`);
        await page
          .locator('section[data-recovery-phase="AwaitingApproval"][data-may-approve="false"]')
          .waitFor({ timeout: 60_000 });
        await recovery(page).locator('[data-step="approved"][data-state="current"]').waitFor();
        assert.equal(await page.getByRole('button', { name: 'Approve recovery' }).count(), 0);

        const direct = await fetch(`${stack.baseUrl}/api/v1/clusters/region-a/recovery/approve`, {
          method: 'POST',
          headers: { authorization: `Bearer ${viewerToken}`, 'content-type': 'application/json' },
          body: '{}',
        });
        assert.equal(direct.status, 403, await direct.text());
        const after = await stack.env.rest.request<Cluster>('GET', clusterPath);
        assert.equal(after.status?.recovery?.phase, 'AwaitingApproval');
        assert.equal(after.metadata.annotations?.['tiphys.dev/recovery-approval'], undefined);
        assert.ok(!(await page.content()).includes(LOST_TOKEN), 'the cluster token is not on the page');
        assert.deepEqual(errors, []);
      },
    );
  });

  test('the admin approves in the page and sees the recovery through to the apps resynced', async () => {
    await inPage(browser, 'ui-recovery-admin', { baseUrl: stack.baseUrl }, async (page, errors) => {
      await page.goto(stack.baseUrl);
      await page.getByLabel('Username').fill('admin');
      await page.getByLabel('Password').fill(stack.adminPassword);
      await page.getByRole('button', { name: 'Log in', exact: true }).click();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Clusters' }).click();
      await page
        .locator('tr[data-cluster="region-a"] [data-health-phase="Lost"]')
        .waitFor({ timeout: 60_000 });
      await page.locator('tr[data-cluster="region-a"]').getByRole('link', { name: 'region-a' }).click();
      await page
        .locator('section[data-recovery-phase="AwaitingApproval"][data-may-approve="true"]')
        .waitFor();
      await page.getByRole('button', { name: 'Approve recovery' }).click();

      await page.locator('section[data-recovery-phase="Succeeded"]').waitFor({ timeout: 240_000 });
      const step = (key: string) => recovery(page).locator(`[data-step="${key}"]`);
      for (const key of ['lost', 'approved', 'action', 'registered', 'first-synced', 'resynced']) {
        assert.equal(await step(key).getAttribute('data-state'), 'done', key);
      }
      assert.match((await step('approved').textContent()) ?? '', /by local:admin/);
      assert.match((await step('resynced').textContent()) ?? '', /1 app/);
      await page.locator('[data-event-reason="RecoveryApproved"]').waitFor({ timeout: 30_000 });
      await page.locator('[data-event-reason="RecoverySucceeded"]').waitFor({ timeout: 30_000 });
      assert.equal(await page.getByRole('button', { name: 'Approve recovery' }).count(), 0);
      const html = await page.content();
      assert.ok(!html.includes(LOST_TOKEN), 'the old token is not on the page');
      assert.ok(!html.includes(stack.env.cluster.token), "the replacement's token is not on the page");
      assert.deepEqual(errors, []);
    });
  });
});
