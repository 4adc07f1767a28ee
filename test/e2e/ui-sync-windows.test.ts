// Sync windows as a person meets them (docs/sync-windows.md), on the whole stack: the API answers
// which windows concern an app and refuses a manual sync or rollback inside a deny window with the
// reason (a window with manualSync lets it through); the app page shows the windows and why a sync
// is blocked, its Sync dialog shows the refusal, and the project page lists the windows and the
// apps the controller holds, with its reason.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createApp, getApp, waitForApp } from './support.ts';
import { createFrozenProject } from './sync-window-project.ts';
import {
  launchBrowser,
  resultsDir,
  screenshot,
  startUiStack,
  type UiStack,
  watchConsole,
} from './ui-support.ts';

/** Besides the freeze window of frozen-*: */
const moreWindows = [
  // Fires every minute for an hour: open for the whole test.
  {
    kind: 'deny' as const,
    schedule: '* * * * *',
    duration: '1h',
    applications: ['thaw-*'],
    manualSync: true,
  },
  // Never open during the test (5 a.m. on 29 February): shown with when it next opens.
  { kind: 'deny' as const, schedule: '0 5 29 2 *', duration: '1h', namespaces: ['nothing-*'] },
];

describe('UI and API: sync windows', () => {
  let stack: UiStack;
  let token = '';
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const requests: string[] = [];

  const call = async (path: string, init: RequestInit = {}, auth = true) => {
    const response = await fetch(`${stack.baseUrl}${path}`, {
      ...init,
      headers: { ...(auth ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };

  before(async () => {
    stack = await startUiStack('ui-sync-windows');
    await createFrozenProject(stack.env, moreWindows);
    const app = (name: string, automated: boolean) =>
      createApp(stack.env, name, {
        project: 'frozen',
        source: { repoURL: stack.repo, path: 'guestbook' },
        destination: { namespace: name },
        syncPolicy: { ...(automated ? { automated: {} } : {}), syncOptions: ['CreateNamespace=true'] },
      });
    await app('frozen-web', false);
    await app('frozen-auto', true);
    await app('thaw-web', false);
    const login = await fetch(`${stack.baseUrl}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: stack.adminPassword }),
    });
    token = ((await login.json()) as { token: string }).token;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // Under a loaded machine a login (scrypt) alone has taken minutes: waits for state, not timings.
    page.setDefaultTimeout(180_000);
    errors = watchConsole(page);
    const t0 = Date.now();
    page.on('request', (r) => requests.push(`${Date.now() - t0} start ${r.method()} ${r.url()}`));
    page.on('response', (r) =>
      requests.push(`${Date.now() - t0} ${r.status()} ${r.request().method()} ${r.url()}`),
    );
    page.on('requestfailed', (r) =>
      requests.push(`FAILED ${r.method()} ${r.url()} ${r.failure()?.errorText}`),
    );
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test('API: the windows of an app; a manual sync and a rollback in a deny window are refused with the reason', async () => {
    const windows = await call('/api/v1/applications/frozen-web/windows');
    assert.equal(windows.status, 200);
    const body = windows.json as {
      windows: { index: number; open?: unknown }[];
      manual: { allowed: boolean; reason?: string };
      automated: { allowed: boolean };
    };
    assert.deepEqual(
      body.windows.map((w) => [w.index, Boolean(w.open)]),
      [[0, true]],
      'only the window that concerns the app',
    );
    assert.equal(body.manual.allowed, false);
    assert.equal(body.automated.allowed, false);
    assert.match(
      body.manual.reason ?? '',
      /^a deny sync window is open: #0 deny "\* \* \* \* \*" for 1h \(freeze\)/,
    );

    const refused =
      /^manual sync refused: a deny sync window is open: #0 deny "\* \* \* \* \*" for 1h \(freeze\) \(until at least .+\) \(project frozen\); no opening found ahead$/;
    const sync = await call('/api/v1/applications/frozen-web/sync', { method: 'POST', body: '{}' });
    assert.equal(sync.status, 409);
    assert.match(String(sync.json.error), refused);
    const rollback = await call('/api/v1/applications/frozen-web/rollback', {
      method: 'POST',
      body: JSON.stringify({ id: 1 }),
    });
    assert.equal(rollback.status, 409);
    assert.match(String(rollback.json.error), refused);
    assert.equal((await getApp(stack.env, 'frozen-web')).operation, undefined, 'nothing was requested');

    // Without a session the windows tell nothing.
    assert.equal((await call('/api/v1/applications/frozen-web/windows', {}, false)).status, 401);

    // A deny window with manualSync lets a person's sync through (automated ones still wait).
    const thaw = await call('/api/v1/applications/thaw-web/windows');
    assert.deepEqual(
      [
        (thaw.json.manual as { allowed: boolean }).allowed,
        (thaw.json.automated as { allowed: boolean }).allowed,
      ],
      [true, false],
    );
    assert.equal(
      (await call('/api/v1/applications/thaw-web/sync', { method: 'POST', body: '{}' })).status,
      202,
    );
    // The controller takes it (its window lets manual syncs through): the operation starts.
    const started = await waitForApp(
      stack.env,
      'thaw-web',
      (a) => Boolean(a.status?.operationState),
      'the sync started',
      240_000,
    );
    assert.equal(
      started.status?.conditions?.find((c) => c.type === 'SyncWindowClosed'),
      undefined,
    );
  });

  test('UI: the app page shows why a sync is blocked and the refusal; the project page lists windows and held apps', async () => {
    try {
      await page.goto(stack.baseUrl);
      await page.getByLabel('Username').fill('admin');
      await page.getByLabel('Password').fill(stack.adminPassword);
      await page.getByRole('button', { name: 'Log in', exact: true }).click();
      await page.locator('.topnav .user', { hasText: 'admin' }).waitFor();
      await page.goto(`${stack.baseUrl}/#/applications/frozen-web`);
      const section = page.getByRole('region', { name: 'Sync windows' });
      const blocked = section.locator('[data-sync-blocked="manual"]');
      await blocked.waitFor();
      assert.match(
        (await blocked.textContent()) ?? '',
        /^Manual sync blocked a deny sync window is open: #0 deny "\* \* \* \* \*" for 1h \(freeze\).*; no opening found ahead\.$/,
      );
      const row = section.locator('tr[data-window="0"][data-open="true"]');
      assert.match((await row.textContent()) ?? '', /^deny\* \* \* \* \* for 1hfreeze.*open until at least /);
      assert.equal(await section.locator('tr[data-window]').count(), 1, 'only the window concerning the app');
      await screenshot(page, 'ui-sync-windows-app');
      await page.getByRole('button', { name: 'Sync', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: 'Sync frozen-web' });
      await dialog.getByRole('button', { name: 'Synchronize' }).click();
      await dialog.getByText(/manual sync refused: a deny sync window is open: #0 deny/).waitFor();
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await page.getByRole('link', { name: 'frozen', exact: true }).click();
      await page.getByRole('heading', { name: 'Project frozen' }).waitFor();
      const windows = page.getByRole('region', { name: 'Sync windows' });
      await windows.locator('tr[data-window="0"][data-open="true"]').waitFor();
      await windows.locator('tr[data-window="1"][data-open="true"]', { hasText: 'allowed' }).waitFor();
      const closed = windows.locator('tr[data-window="2"][data-open="false"]');
      assert.match((await closed.textContent()) ?? '', /opens /);
      const held = page.locator('li[data-app="frozen-auto"] [data-sync-held="true"]');
      await held.waitFor({ timeout: 180_000 });
      assert.match(
        (await held.textContent()) ?? '',
        /automated sync waits: a deny sync window is open: #0 deny/,
      );
      await screenshot(page, 'ui-sync-windows-project');
      assert.deepEqual(
        errors.filter((e) => !e.includes('409')),
        [],
      );
    } catch (error) {
      const dom = await page.content().catch(() => '');
      writeFileSync(
        join(resultsDir, 'ui-sync-windows-failure.txt'),
        `${page.url()}\n\nerrors:\n${errors.join('\n')}\n\nrequests:\n${requests.join('\n')}\n\n${dom}`,
      );
      throw error;
    }
  });
});
