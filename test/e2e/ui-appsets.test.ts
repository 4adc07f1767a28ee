// The ApplicationSet pages in a real browser against the whole stack: the list, and a set's page
// with its generators, its apps grouped by rollout step with sync and health, and the rollout's
// progress. As the attacker, a team-a user who may read every set opens team-b's set: no team-b
// app is named on the page or in the API's answer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { ApplicationSet } from '../../src/core/model/application-set.ts';
import { createSet, waitForSet } from './fleet-support.ts';
import { createProject, createToken, loginAsAdmin, NAMESPACE } from './support.ts';
import { launchBrowser, screenshot, startUiStack, type UiStack, watchConsole } from './ui-support.ts';

const automated = { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] };

describe('UI: ApplicationSets', () => {
  let stack: UiStack;
  let browser: Browser;
  let teamAToken: string;

  const setSpec = (team: string, regions: string[], rollout: boolean) => ({
    generators: [{ list: { elements: regions.map((region) => ({ region })) } }],
    ...(rollout
      ? {
          strategy: {
            type: 'RollingSync',
            rollingSync: {
              steps: regions.map((region) => ({
                matchExpressions: [{ key: 'region', operator: 'In', values: [region] }],
                maxUpdate: 1,
              })),
            },
          },
        }
      : {}),
    template: {
      metadata: { name: `${team}-web-{{region}}`, labels: { region: '{{region}}' } },
      spec: {
        project: team,
        source: { repoURL: stack.repo, path: 'guestbook' },
        destination: { namespace: `${team}-web-{{region}}` },
        syncPolicy: automated,
      },
    },
  });

  before(async () => {
    stack = await startUiStack('ui-appsets');
    const { env } = stack;
    const everywhere = { sourceRepos: ['*'], destinations: [{ cluster: '*', namespace: '*' }] };
    await createProject(env, 'team-a', { ...everywhere, roles: [{ name: 'dev' }] });
    await createProject(env, 'team-b', everywhere);
    // team-a's developer may read every set, and the apps of team-a only.
    await env.rest.request('POST', `/api/v1/namespaces/${NAMESPACE}/configmaps`, {
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'tiphys-rbac' },
        data: {
          'policy.csv': [
            'p, proj:team-a:dev, applicationsets, get, *, allow',
            'p, proj:team-a:dev, applications, get, team-a/*, allow',
            '',
          ].join('\n'),
        },
      },
    });
    teamAToken = await createToken(stack.baseUrl, await loginAsAdmin(env, stack.baseUrl), {
      project: 'team-a',
      role: 'dev',
    });
    await createSet(env, 'team-a-web', setSpec('team-a', ['eu', 'us'], true));
    await createSet(env, 'team-b-web', setSpec('team-b', ['ap'], false));
    for (const [set, count] of [
      ['team-a-web', 2],
      ['team-b-web', 1],
    ] as const) {
      await waitForSet(
        env,
        set,
        (s: ApplicationSet) =>
          (s.status?.applicationStatus ?? []).filter((a) => a.status === 'Healthy').length === count,
        'every app Healthy',
        240_000,
      );
    }
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test('the admin sees the sets, a set’s generators, its apps by step with sync and health, and the rollout', async () => {
    const page = await browser.newPage();
    const errors = watchConsole(page);
    try {
      await page.goto(stack.baseUrl);
      await page.getByLabel('Username').fill('admin');
      await page.getByLabel('Password').fill(stack.adminPassword);
      await page.getByRole('button', { name: 'Log in', exact: true }).click();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'AppSets' }).click();
      await page.locator('tr[data-appset="team-b-web"]').waitFor();
      await page.locator('tr[data-appset="team-a-web"]').getByRole('link', { name: 'team-a-web' }).click();

      await page.locator('[data-generator="0"]', { hasText: 'list (2 elements)' }).waitFor();
      await page.locator('[data-rollout-phase="Completed"]').waitFor({ timeout: 60_000 });
      for (const [step, app] of [
        ['1', 'team-a-web-eu'],
        ['2', 'team-a-web-us'],
      ]) {
        const row = page.locator(`[data-step="${step}"] tr[data-app="${app}"]`);
        await row.locator('[data-badge="sync"][data-status="Synced"]').waitFor({ timeout: 60_000 });
        await row.locator('[data-badge="health"][data-status="Healthy"]').waitFor({ timeout: 60_000 });
        assert.equal(await row.getAttribute('data-rollout-state'), 'Healthy');
      }
      assert.match((await page.locator('[data-step="1"] h3').textContent()) ?? '', /region In \[eu\]/);
      assert.deepEqual(errors, []);
    } catch (error) {
      await screenshot(page, 'ui-appsets-admin-failure').catch(() => {});
      throw error;
    } finally {
      await page.close();
    }
  });

  test('attacker: a team-a user opening team-b’s set sees none of its apps, in the page or the API', async () => {
    const context = await browser.newContext();
    await context.addCookies([{ name: 'tiphys.token', value: teamAToken, url: stack.baseUrl }]);
    const page = await context.newPage();
    const errors = watchConsole(page);
    try {
      // Their own set: both apps listed (so the page does list what they may see).
      await page.goto(`${stack.baseUrl}/#/applicationsets/team-a-web`);
      await page.locator('tr[data-app="team-a-web-us"]').waitFor({ timeout: 60_000 });
      await page.goto(`${stack.baseUrl}/#/applicationsets/team-b-web`);
      await page.locator('[data-appset-page="team-b-web"] [data-generator="0"]').waitFor();
      await page.getByText('No generated application you may see.').waitFor();
      assert.equal(await page.locator('tr[data-app]').count(), 0);
      assert.ok(!(await page.content()).includes('team-b-web-ap'), 'the team-b app is not named');

      const headers = { authorization: `Bearer ${teamAToken}` };
      const one = await fetch(`${stack.baseUrl}/api/v1/applicationsets/team-b-web`, { headers });
      assert.equal(one.status, 200);
      const list = await fetch(`${stack.baseUrl}/api/v1/applicationsets`, { headers });
      for (const text of [await one.text(), await list.text()]) {
        assert.ok(!text.includes('team-b-web-ap'), text);
        assert.match(text, /team-a-web-eu|"applicationStatus":\[\]/);
      }
      const app = await fetch(`${stack.baseUrl}/api/v1/applications/team-b-web-ap`, { headers });
      assert.equal(app.status, 404);
      assert.deepEqual(errors, []);
    } catch (error) {
      await screenshot(page, 'ui-appsets-attacker-failure').catch(() => {});
      throw error;
    } finally {
      await context.close();
    }
  });
});
