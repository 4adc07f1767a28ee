// Charts from an HTTPS chart repository (served by the test, TLS of the testbed CA, basic auth)
// and from the testbed registry (OCI, pushed with `helm push`), resolved, fetched by digest and
// rendered by the testbed's helm. Attacker checks: wrong credentials, credentials not sent to
// another host, a re-published version, a version that does not exist.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { type ChartRepo, packageChart, pushChart, startChartRepo } from '../../../testbed/src/charts.ts';
import { startRegistry, type TestRegistry } from '../../../testbed/src/registry.ts';
import { chartLocationOf } from '../../core/helm/chart-source.ts';
import { chartCredentialsFor } from '../control-plane/repo-credential-store.ts';
import { renderHelmArchive } from '../render/helm-archive.ts';
import { tempDir, testTools } from '../render/testkit.ts';
import type { RenderTools } from '../render/types.ts';
import { ChartStore } from './chart-store.ts';
import { ChartFetchError } from './errors.ts';
import type { ChartCredentials } from './types.ts';

let tools: RenderTools;
let work: string;

before(async () => {
  tools = await testTools();
  work = await tempDir('tiphys-charts-test-');
});

function storeWith(credentials: ChartCredentials | undefined): ChartStore {
  return new ChartStore({
    cacheDir: `${work}/cache`,
    credentialsFor: async () => credentials,
    timeoutMs: 20_000,
  });
}

const terminal = (pattern: RegExp) => (error: Error) => {
  assert.ok(error instanceof ChartFetchError, String(error));
  assert.equal(error.terminal, true);
  assert.match(error.message, pattern);
  return true;
};

describe('HTTPS chart repository', () => {
  let repo: ChartRepo;
  let elsewhere: ChartRepo;
  before(async () => {
    repo = await startChartRepo();
    elsewhere = await startChartRepo({ anonymous: true });
    for (const version of ['1.0.0', '1.2.0', '2.0.0']) {
      repo.publish(await packageChart(tools.helm, work, { name: 'greeter', version }));
    }
  });
  after(async () => {
    await repo?.close();
    await elsewhere?.close();
  });
  const good = () => ({ username: repo.username, password: repo.password, ca: repo.caPem });

  test('a semver range resolves to the highest version and its digest; the archive renders', async () => {
    const store = storeWith(good());
    const revision = await store.resolve(repo.url, 'greeter', '^1.0.0');
    assert.match(revision, /^1\.2\.0@sha256:[0-9a-f]{64}$/);
    assert.equal(await store.resolve(repo.url, 'greeter', '1.0.0').then((r) => r.split('@')[0]), '1.0.0');
    const fetched = await store.fetch(repo.url, 'greeter', revision);
    assert.ok(fetched.path.endsWith(`${revision.split('@')[1].replace(':', '-')}.tgz`), 'cached by digest');
    const objects = await renderHelmArchive({
      archive: fetched.path,
      label: 'chart greeter',
      helm: { parameters: [{ name: 'greeting', value: 'hi' }] },
      appName: 'web',
      namespace: 'team-a',
      tools,
    });
    assert.deepEqual(
      objects.map((o) => [o.metadata.name, o.data]),
      [['web-greeter', { greeting: 'hi', version: '1.2.0' }]],
    );
    // Fetched again from the cache: the repository is not asked.
    const asked = repo.requests.length;
    await store.fetch(repo.url, 'greeter', revision);
    assert.equal(repo.requests.length, asked);
  });

  test('an unchanged index.yaml is not downloaded again (ETag); a new version is seen at once', async () => {
    const store = storeWith(good());
    await store.resolve(repo.url, 'greeter', '^1.0.0');
    const before = repo.requests.length;
    assert.match(await store.resolve(repo.url, 'greeter', '^1.0.0'), /^1\.2\.0@/);
    const index = repo.requests.slice(before).filter((r) => r.path === '/index.yaml');
    assert.deepEqual(
      index.map((r) => r.status),
      [304],
      'asked with the ETag, answered Not Modified',
    );
    repo.publish(await packageChart(tools.helm, work, { name: 'greeter', version: '1.3.0' }));
    assert.match(await store.resolve(repo.url, 'greeter', '^1.0.0'), /^1\.3\.0@/);
    assert.equal(repo.requests.at(-1)?.status, 200, 'a changed index is downloaded');
    // Another password does not get the copy read with this one: the repository is asked.
    await assert.rejects(
      storeWith({ ...good(), password: 'guessed' }).resolve(repo.url, 'greeter', '^1.0.0'),
      /HTTP 401/,
    );
  });

  test('a version that does not exist is a terminal error naming it and what exists', async () => {
    await assert.rejects(
      storeWith(good()).resolve(repo.url, 'greeter', '9.9.9'),
      terminal(
        /chart greeter has no version matching "9\.9\.9" in https:\/\/127\.0\.0\.1:\d+ \(some it has: .*2\.0\.0/,
      ),
    );
    await assert.rejects(
      storeWith(good()).resolve(repo.url, 'nothere', '1.0.0'),
      terminal(/no chart named nothere/),
    );
  });

  test('wrong credentials are refused by the repository: terminal, the password not in the message', async () => {
    await assert.rejects(
      storeWith({ ...good(), password: 'guessed-password' }).resolve(repo.url, 'greeter', '1.0.0'),
      (error: Error) => {
        terminal(/refused the credentials \(HTTP 401\)/)(error);
        assert.doesNotMatch(error.message, /guessed-password/);
        return true;
      },
    );
  });

  test('without the custom CA the certificate is not trusted', async () => {
    await assert.rejects(
      storeWith({ username: repo.username, password: repo.password }).resolve(repo.url, 'greeter', '1.0.0'),
      /cannot reach https:\/\/127\.0\.0\.1:\d+: .*(self-signed|unable to (get|verify))/,
    );
  });

  test('an archive on another host is fetched without the credentials', async () => {
    const archive = await packageChart(tools.helm, work, { name: 'greeter', version: '3.0.0' });
    elsewhere.publish(archive);
    repo.publish(archive, { url: `${elsewhere.url}/charts/greeter-3.0.0.tgz` });
    // Both repositories use the testbed CA.
    const store = storeWith(good());
    const revision = await store.resolve(repo.url, 'greeter', '3.0.0');
    await store.fetch(repo.url, 'greeter', revision);
    const there = elsewhere.requests.filter((r) => r.path === '/charts/greeter-3.0.0.tgz');
    assert.equal(there.length, 1);
    assert.equal(there[0].authorization, undefined, 'the credentials stayed with their host');
  });

  test('a version re-published with other bytes is refused under its old digest', async () => {
    const store = storeWith(good());
    const before = await store.resolve(repo.url, 'greeter', '1.0.0');
    repo.publish(
      await packageChart(tools.helm, work, { name: 'greeter', version: '1.0.0', data: { evil: 'yes' } }),
    );
    await assert.rejects(
      store.resolve(repo.url, 'greeter', before),
      terminal(/is now sha256:[0-9a-f]+, not the sha256:/),
    );
    // A cached archive whose bytes changed on disk is not trusted either: fetched and checked again.
    const fresh = await store.resolve(repo.url, 'greeter', '1.0.0');
    const { path } = await store.fetch(repo.url, 'greeter', fresh);
    await writeFile(path, Buffer.from('tampered'));
    const again = await store.fetch(repo.url, 'greeter', fresh);
    assert.notEqual((await readFile(again.path)).toString(), 'tampered');
  });
});

describe('OCI registry', () => {
  let registry: TestRegistry;
  let repoURL: string;
  before(async () => {
    registry = await startRegistry();
    repoURL = `oci://${registry.host}/charts`;
    for (const version of ['1.0.0', '1.1.0']) {
      await pushChart(
        tools.helm,
        registry,
        await packageChart(tools.helm, work, { name: 'oci-greeter', version }),
        'charts',
      );
    }
  });
  after(async () => registry?.stop());
  const good = () => ({ username: registry.username, password: registry.password, ca: registry.caPem });

  test('tags resolve by range, the chart layer is fetched by digest and renders', async () => {
    const store = storeWith(good());
    const revision = await store.resolve(repoURL, 'oci-greeter', '~1.0');
    assert.match(revision, /^1\.0\.0@sha256:[0-9a-f]{64}$/);
    assert.match(await store.resolve(repoURL, 'oci-greeter', '>=1.0.0'), /^1\.1\.0@/);
    const fetched = await store.fetch(repoURL, 'oci-greeter', revision);
    const objects = await renderHelmArchive({ archive: fetched.path, label: 'x', appName: 'app', tools });
    assert.equal((objects[0].data as Record<string, string>).version, '1.0.0');
  });

  test('wrong registry credentials and unknown versions are terminal errors', async () => {
    await assert.rejects(
      storeWith({ ...good(), password: 'nope-nope' }).resolve(repoURL, 'oci-greeter', '1.0.0'),
      terminal(/refused the credentials \(HTTP 401\)/),
    );
    await assert.rejects(
      storeWith(undefined).resolve(repoURL, 'oci-greeter', '1.0.0'),
      /self-signed|unable to|refused/,
    );
    await assert.rejects(
      storeWith(good()).resolve(repoURL, 'oci-greeter', '7.0.0'),
      terminal(/no version matching "7\.0\.0"/),
    );
  });

  test('registry credentials are matched by exact host', () => {
    const location = chartLocationOf(repoURL, 'oci-greeter');
    const entry = (url: string) => ({ url, credentials: { username: 'u', password: url } });
    const [port] = registry.host.split(':').slice(1);
    const entries = [
      entry(`oci://127.0.0.1:${Number(port) + 1}`),
      entry(`https://127.0.0.1.evil:${port}`),
      entry(`https://${registry.host}`),
    ];
    assert.equal(chartCredentialsFor(entries, location)?.password, `https://${registry.host}`);
    assert.equal(chartCredentialsFor(entries.slice(0, 2), location), undefined);
  });
});
