// `tiphys proj …` with a kubeconfig, against a real API server with Tiphys installed: the domain's
// AppProject operations as a person reaches them without the API server.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startCluster, type TestCluster } from '../../testbed/src/cluster.ts';
import { installTiphys } from '../adapters/kube/install.ts';
import type { KubeRest } from '../adapters/kube/rest.ts';
import type { AppProject } from '../core/model/app-project.ts';
import { type CliResult, runTiphys, testRest } from './app/cli-testkit.ts';
import { tiphysPath } from './kube-context.ts';

describe('tiphys proj with a kubeconfig', () => {
  let cluster: TestCluster;
  let rest: KubeRest;
  const tiphys = (...args: string[]): Promise<CliResult> => runTiphys(cluster.kubeconfigPath, args);
  const projectPath = (name?: string) => tiphysPath('tiphys', 'appprojects', name);

  before(async () => {
    cluster = await startCluster({ name: 'cli-proj' });
    await installTiphys({ kubeconfigPath: cluster.kubeconfigPath });
    rest = testRest(cluster.kubeconfigPath);
  });
  after(async () => {
    rest?.close();
    await cluster?.stop();
  });

  test('create, get and list; a second create of the same name is refused and changes nothing', async () => {
    const created = await tiphys(
      ...['proj', 'create', 'team-a', '--source-repo', 'https://git.example.com/*'],
      ...['--dest', 'in-cluster,team-a-*', '--description', 'team A'],
    );
    assert.equal(created.code, 0, created.stderr);
    const stored = await rest.request<AppProject>('GET', projectPath('team-a'));
    assert.deepEqual(stored.spec.destinations, [{ cluster: 'in-cluster', namespace: 'team-a-*' }]);

    const again = await tiphys('proj', 'create', 'team-a', '--source-repo', '*', '--dest', 'in-cluster,*');
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'error: project "team-a" already exists in namespace tiphys\n');
    const unchanged = await rest.request<AppProject>('GET', projectPath('team-a'));
    assert.equal(unchanged.metadata.resourceVersion, stored.metadata.resourceVersion);

    const got = JSON.parse((await tiphys('proj', 'get', 'team-a', '-o', 'json')).stdout) as AppProject;
    assert.deepEqual(got.spec, stored.spec);
    const list = await tiphys('proj', 'list');
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(
      list.stdout
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((line) => line.split(/\s+/)[0]),
      ['default', 'team-a'],
    );
    const missing = await tiphys('proj', 'get', 'nope');
    assert.equal(missing.stderr, 'error: project "nope" not found in namespace tiphys\n');
  });

  test('a project in use is not deleted and the error names its Applications; unused, it goes', async () => {
    const app = await tiphys(
      ...['app', 'create', 'web', '--repo', 'https://git.example.com/config.git', '--path', 'web'],
      ...['--dest-namespace', 'team-a-web', '--project', 'team-a'],
    );
    assert.equal(app.code, 0, app.stderr);
    const inUse = await tiphys('proj', 'delete', 'team-a');
    assert.equal(inUse.code, 1);
    assert.equal(inUse.stderr, 'error: project "team-a" is used by 1 application(s): web\n');
    assert.ok(await rest.request('GET', projectPath('team-a')), 'still there');

    assert.equal((await tiphys('app', 'delete', 'web', '--cascade=false')).code, 0);
    const deleted = await tiphys('proj', 'delete', 'team-a');
    assert.equal(deleted.code, 0, deleted.stderr);
    await assert.rejects(rest.request('GET', projectPath('team-a')), { status: 404 });
  });

  test('windows: a project made from a manifest shows which windows are open and when the others open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiphys-proj-'));
    const manifest = (windows: unknown[]) =>
      JSON.stringify({
        spec: { sourceRepos: ['*'], destinations: [{ cluster: '*', namespace: '*' }], syncWindows: windows },
      });
    const always = { kind: 'deny', schedule: '* * * * *', duration: '1h', applications: ['*'] };
    const office = { kind: 'allow', schedule: '0 9 * * 1-5', duration: '1h', namespaces: ['prod-*'] };
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, manifest([always, { ...office, timeZone: 'Mars/Olympus' }]));
    const refused = await tiphys('proj', 'create', 'frozen', '-f', bad);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /spec\.syncWindows\[1\]: timeZone "Mars\/Olympus": not a known time zone/);
    await assert.rejects(rest.request('GET', projectPath('frozen')), { status: 404 });

    const good = join(dir, 'good.json');
    writeFileSync(good, manifest([always, { ...office, timeZone: 'Europe/Paris' }]));
    assert.equal((await tiphys('proj', 'create', 'frozen', '-f', good)).code, 0);
    const json = await tiphys('proj', 'windows', 'frozen', '-o', 'json');
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as { windows: { open?: { end: string }; nextOpen?: string }[] };
    assert.ok(report.windows[0].open, 'the every-minute deny window is open');
    assert.ok(Date.parse(report.windows[0].open.end) > Date.now());
    assert.ok(Date.parse(report.windows[1].nextOpen ?? '') > Date.now(), 'the office window opens later');
    const text = await tiphys('proj', 'windows', 'frozen');
    assert.match(text.stdout, /deny\s+\* \* \* \* \*\s+1h\s+UTC\s+no\s+app:\*\s+open until at least /);
    assert.match(
      text.stdout,
      /allow\s+0 9 \* \* 1-5\s+1h\s+Europe\/Paris\s+no\s+ns:prod-\*\s+closed, opens /,
    );
    const missing = await tiphys('proj', 'windows', 'nope');
    assert.equal(missing.stderr, 'error: project "nope" not found in namespace tiphys\n');
    rmSync(dir, { recursive: true, force: true });
  });
});
