// The ApplicationSet pages in a real browser against the whole stack: the list, and a set's page
// with its generators, its apps grouped by rollout step with sync and health, and the rollout's
// progress with Resume and Abort. As attackers: a team-a user who may read every set opens
// team-b's set (no team-b app is named on the page or in the API's answer), and, read-only, sees
// no rollout button and is refused a direct resume (403, audited, nothing changes). One testbed
// and one browser serve the whole file; the generated apps are ConfigMaps, Healthy once applied.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { ApplicationSet } from '../../src/core/model/application-set.ts';
import { recentAuditEvents } from '../../src/server/auth/audit.ts';
import { createSet, getSet, waitForSet } from './fleet-support.ts';
import {
  createProject,
  createToken,
  loginAsAdmin,
  NAMESPACE,
  syncedAndHealthy,
  waitForApp,
} from './support.ts';
import { inPage, launchBrowser, startUiStack, type UiStack } from './ui-support.ts';

const automated = { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] };
const healthy = (count: number) => (s: ApplicationSet) =>
  (s.status?.applicationStatus ?? []).filter((a) => a.status === 'Healthy').length === count;

/** Steps selecting `region` In [r], one app at a time each. */
const stepsByRegion = (regions: string[]) => ({
  type: 'RollingSync',
  rollingSync: {
    steps: regions.map((region) => ({
      matchExpressions: [{ key: 'region', operator: 'In', values: [region] }],
      maxUpdate: 1,
    })),
  },
});

describe('UI: ApplicationSets', () => {
  let stack: UiStack;
  let browser: Browser;
  let repo: string;
  let teamAToken: string;

  const teamSet = (team: string, regions: string[], rollout: boolean) => ({
    generators: [{ list: { elements: regions.map((region) => ({ region })) } }],
    ...(rollout ? { strategy: stepsByRegion(regions) } : {}),
    template: {
      metadata: { name: `${team}-web-{{region}}`, labels: { region: '{{region}}' } },
      spec: {
        project: team,
        source: { repoURL: repo, path: 'rollout/good' },
        destination: { namespace: `${team}-web-{{region}}` },
        syncPolicy: automated,
      },
    },
  });

  before(async () => {
    browser = await launchBrowser();
    stack = await startUiStack('ui-appsets');
    const { env } = stack;
    repo = (await env.git.createRepo('ui-fleet', join(import.meta.dirname, 'testdata', 'fleet'))).url;
    const everywhere = { sourceRepos: ['*'], destinations: [{ cluster: '*', namespace: '*' }] };
    await createProject(env, 'team-a', { ...everywhere, roles: [{ name: 'dev' }] });
    await createProject(env, 'team-b', everywhere);
    // team-a's developer may read every set, and the apps of team-a only: never update a set.
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
    await createSet(env, 'team-a-web', teamSet('team-a', ['eu', 'us'], true));
    await createSet(env, 'team-b-web', teamSet('team-b', ['ap'], false));
    // Three steps; step 2's Job fails (kwok fails its Pod), so the rollout stops there.
    await createSet(env, 'release', {
      generators: [
        {
          list: {
            elements: [
              { region: 'a', dir: 'rollout/good' },
              { region: 'b', dir: 'rollout/bad' },
              { region: 'c', dir: 'rollout/good' },
            ],
          },
        },
      ],
      strategy: stepsByRegion(['a', 'b', 'c']),
      template: {
        metadata: { name: 'release-{{region}}', labels: { region: '{{region}}' } },
        spec: {
          source: { repoURL: repo, path: '{{dir}}' },
          destination: { namespace: 'release-{{region}}' },
          syncPolicy: automated,
        },
      },
    });
    await Promise.all([
      waitForSet(env, 'team-a-web', healthy(2), 'every app Healthy', 120_000),
      // A set without a rollout reports its apps' states at its next poll only: wait on the app.
      waitForApp(env, 'team-b-web-ap', syncedAndHealthy, 'synced and healthy', 120_000),
      waitForSet(
        env,
        'release',
        (s) => s.status?.rollout?.phase === 'Stopped',
        'the rollout to stop',
        120_000,
      ),
    ]);
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test('the admin sees the sets, a set’s generators, its apps by step with sync and health, and the rollout', async () => {
    await inPage(browser, 'ui-appsets-admin', { baseUrl: stack.baseUrl }, async (page, errors) => {
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
      // A completed rollout has nothing to resume or abort, even for the admin.
      await page
        .locator('[data-rollout-actions="team-a-web"][data-allowed="true"]')
        .waitFor({ state: 'attached' });
      assert.equal(await page.locator('[data-rollout-actions] button').count(), 0);
      assert.deepEqual(errors, []);
    });
  });

  test('attacker: a team-a user opening team-b’s set sees none of its apps, in the page or the API', async () => {
    await inPage(
      browser,
      'ui-appsets-attacker',
      { baseUrl: stack.baseUrl, token: teamAToken },
      async (page, errors) => {
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
      },
    );
  });

  test('attacker: a read-only user sees no Resume or Abort on a stopped rollout; a direct POST is 403 and changes nothing', async () => {
    await inPage(
      browser,
      'ui-appsets-readonly',
      { baseUrl: stack.baseUrl, token: teamAToken },
      async (page, errors) => {
        const before = await getSet(stack.env, 'release');
        await page.goto(`${stack.baseUrl}/#/applicationsets/release`);
        await page.locator('[data-rollout-phase="Stopped"]').waitFor({ timeout: 60_000 });
        await page
          .locator('[data-rollout-actions="release"][data-allowed="false"]')
          .waitFor({ state: 'attached' });
        assert.equal(await page.getByRole('button', { name: /rollout/i }).count(), 0);

        for (const action of ['resume', 'abort']) {
          const response = await fetch(`${stack.baseUrl}/api/v1/applicationsets/release/rollout/${action}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${teamAToken}` },
          });
          assert.equal(response.status, 403, await response.text());
          assert.ok(
            recentAuditEvents().some(
              (e) => e.resource === 'applicationsets' && e.object === 'release' && e.result === 'denied',
            ),
            JSON.stringify(recentAuditEvents(5)),
          );
        }
        const afterwards = await getSet(stack.env, 'release');
        // The controller's own status writes move the resourceVersion; what a request would change
        // is the set's annotations (the rollout-action) and then the rollout's last action.
        assert.deepEqual(afterwards.metadata.annotations, before.metadata.annotations, 'no action requested');
        assert.equal(afterwards.metadata.generation, before.metadata.generation);
        assert.deepEqual(afterwards.status?.rollout?.lastAction, before.status?.rollout?.lastAction);
        assert.equal(afterwards.status?.rollout?.phase, 'Stopped');
        assert.deepEqual(errors, []);
      },
    );
  });

  test('the admin resumes a stopped rollout from the page (audited) and sees the next step proceed', async () => {
    const token = await loginAsAdmin(stack.env, stack.baseUrl);
    await inPage(browser, 'ui-appsets-resume', { baseUrl: stack.baseUrl, token }, async (page, errors) => {
      await page.goto(`${stack.baseUrl}/#/applicationsets/release`);
      await page.locator('[data-rollout-phase="Stopped"]').waitFor({ timeout: 60_000 });
      assert.equal(
        await page.locator('[data-step="2"] tr[data-app="release-b"]').getAttribute('data-rollout-state'),
        'Degraded',
      );
      assert.equal(
        await page.locator('[data-step="3"] tr[data-app="release-c"]').getAttribute('data-rollout-state'),
        'Waiting',
      );
      await page.getByRole('button', { name: 'Abort rollout' }).waitFor();
      await page.getByRole('button', { name: 'Resume rollout' }).click();

      const row = page.locator('[data-step="3"] tr[data-app="release-c"]');
      await row.locator('[data-badge="sync"][data-status="Synced"]').waitFor({ timeout: 90_000 });
      await row.locator('[data-badge="health"][data-status="Healthy"]').waitFor({ timeout: 60_000 });
      await page.locator('[data-rollout-phase="Completed"]').waitFor({ timeout: 60_000 });
      assert.equal(await page.getByRole('button', { name: /rollout/i }).count(), 0);
      const audit = recentAuditEvents().find(
        (e) => e.action === 'rollout-resume' && e.object === 'release' && e.result === 'success',
      );
      assert.ok(audit, JSON.stringify(recentAuditEvents(5)));
      assert.equal(audit.subject, 'admin');
      assert.deepEqual(errors, []);
    });
  });
});
