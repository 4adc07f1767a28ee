// The image automation loop against real parts: the testbed registry (Debian's distribution
// registry, TLS with the testbed CA, htpasswd basic auth) and the testbed Git server. Only the
// store of the three Tiphys kinds is kept in memory (it stands for the Kubernetes API, whose
// reads and status patches are plain JSON); every registry request and every commit is real.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type GitServer, startGitServer } from '../../../testbed/src/git-server.ts';
import { pushProbeImage } from '../../../testbed/src/node/real-node-kit.ts';
import { startRegistry, type TestRegistry } from '../../../testbed/src/registry.ts';
import type { ImageObjects } from '../../adapters/control-plane/image-objects.ts';
import { GitWriter } from '../../adapters/git/commit-edit.ts';
import { ImageAutomation } from './image-automation.ts';

const run = promisify(execFile);
const NAMESPACE = 'tiphys';
// biome-ignore lint/suspicious/noExplicitAny: the objects are loose JSON, as the API server returns them
type Obj = { metadata: { name: string; namespace?: string; generation?: number }; spec: any; status?: any };

/** The control namespace's objects, in memory: lists, merge-patched status, a project and Secrets. */
class ObjectStore {
  readonly namespace = NAMESPACE;
  readonly kinds: Record<string, Obj[]> = { ImageRepository: [], ImagePolicy: [], ImageUpdater: [] };
  readonly secrets = new Map<string, unknown>();
  readonly projects = new Map<string, unknown>();
  add(kind: string, name: string, spec: unknown) {
    this.kinds[kind].push({ metadata: { name, namespace: NAMESPACE, generation: 1 }, spec });
  }
  status(kind: string, name: string) {
    return this.kinds[kind].find((o) => o.metadata.name === name)?.status ?? {};
  }
  async list(kind: string) {
    return structuredClone(this.kinds[kind]);
  }
  async patchStatus(kind: string, name: string, status: Record<string, unknown>) {
    const object = this.kinds[kind].find((o) => o.metadata.name === name);
    if (!object) throw new Error(`${kind} ${name} not found`);
    object.status = { ...object.status, ...status };
    for (const [key, value] of Object.entries(status)) if (value === null) delete object.status[key];
  }
  async annotate() {}
  async project(name: string) {
    return this.projects.get(name);
  }
  async secret(name: string) {
    return this.secrets.get(name);
  }
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('image automation loop against the testbed registry and Git server', { timeout: 300_000 }, () => {
  let registry: TestRegistry;
  let git: GitServer;
  let scratch: string;
  let store: ObjectStore;
  let loop: ImageAutomation;
  let image: string;
  const commits: string[] = [];

  const overlay = async () =>
    (await run('git', ['show', 'main:dev/kustomization.yaml'], { cwd: join(git.root, 'config.git') })).stdout;
  /** The registry's requests since `from` lines of its access log, by kind. */
  const requests = async (from: number) => {
    const lines = (await readFile(registry.logPath, 'utf8')).split('\n').slice(from);
    const seen = { tagLists: 0, manifests: 0, blobs: 0 };
    for (const line of lines) {
      const path = /"(?:GET|HEAD) (\S+) HTTP/.exec(line)?.[1] ?? '';
      if (path.includes('/tags/list')) seen.tagLists++;
      else if (path.includes('/manifests/')) seen.manifests++;
      else if (path.includes('/blobs/')) seen.blobs++;
    }
    return seen;
  };
  const logLength = async () => (await readFile(registry.logPath, 'utf8')).split('\n').length - 1;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'tiphys-image-loop-'));
    registry = await startRegistry({ accessLog: true });
    image = `${registry.host}/team/hello`;
    for (const tag of ['1.0.0', '1.0.1', '2.0.0']) await pushProbeImage(registry, 'team/hello', tag);
    git = await startGitServer({ auth: { username: 'writer', password: 'git-pw' } });
    await git.createRepo('config');
    await git.commitFiles(
      'config',
      {
        'dev/kustomization.yaml': `# dev overlay\nresources: []\nimages:\n  - name: hello\n    newName: ${image}\n    newTag: 1.0.0 # set by Tiphys\n`,
      },
      'initial',
    );
    store = new ObjectStore();
    const repoURL = git.repoUrl('config');
    store.projects.set('team-a', {
      metadata: { name: 'team-a' },
      spec: { sourceRepos: [repoURL], destinations: [{ server: '*', namespace: '*' }] },
    });
    const secret = (password: string) => ({
      metadata: {
        name: 'x',
        labels: { 'tiphys.dev/secret-type': 'registry', 'tiphys.dev/project': 'team-a' },
      },
      type: 'kubernetes.io/dockerconfigjson',
      data: {
        '.dockerconfigjson': b64(
          JSON.stringify({ auths: { [registry.host]: { auth: b64(`${registry.username}:${password}`) } } }),
        ),
        'ca.crt': b64(registry.caPem),
      },
    });
    store.secrets.set('registry', secret(registry.password));
    store.secrets.set('wrong', secret('not-the-password'));
    store.add('ImageRepository', 'hello', {
      image,
      project: 'team-a',
      interval: '1h',
      credentials: { secretName: 'registry' },
      ca: { secretName: 'registry' },
    });
    store.add('ImagePolicy', 'hello', {
      imageRepositoryRef: { name: 'hello' },
      policy: { semver: { range: '~1.0.0' } },
    });
    store.add('ImageUpdater', 'hello', {
      project: 'team-a',
      git: { repoURL, path: 'dev' },
      updates: [{ policy: 'hello', target: { kustomize: {} } }],
    });
    loop = new ImageAutomation({
      objects: store as unknown as ImageObjects,
      writeBack: {
        writer: new GitWriter({ workDir: join(scratch, 'work'), allowLocalRepos: true }),
        credentialsFor: async () => ({ username: 'writer', password: 'git-pw' }),
      },
      tickMs: 3_600_000,
      onCommitted: () => commits.push('pushed'),
    });
  });

  after(async () => {
    await loop?.stop();
    await registry?.stop();
    await git?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  test('a pass scans, chooses the newest tag in range and commits it, comments kept', async () => {
    loop.start();
    await loop.idle();
    assert.equal(store.status('ImagePolicy', 'hello').latestImage, `${image}:1.0.1`);
    const updater = store.status('ImageUpdater', 'hello');
    assert.equal(updater.lastCommit, await git.headCommit('config'));
    assert.equal(
      await overlay(),
      `# dev overlay\nresources: []\nimages:\n  - name: hello\n    newName: ${image}\n    newTag: 1.0.1 # set by Tiphys\n`,
    );
    assert.deepEqual(commits, ['pushed']);
  });

  test('a scan with nothing new asks the registry only for the tag list and commits nothing', async () => {
    const head = await git.headCommit('config');
    const from = await logLength();
    loop.requestScan(['hello']);
    await loop.idle();
    assert.equal(store.status('ImageRepository', 'hello').lastScanResult.tagCount, 3);
    assert.deepEqual(await requests(from), { tagLists: 1, manifests: 0, blobs: 0 });
    assert.equal(await git.headCommit('config'), head);
    assert.deepEqual(commits, ['pushed']);
  });

  test('a tag pushed to the registry is committed at the next scan', async () => {
    await pushProbeImage(registry, 'team/hello', '1.0.2');
    loop.requestScan(['hello']);
    await loop.idle();
    assert.equal(store.status('ImagePolicy', 'hello').latestImage, `${image}:1.0.2`);
    assert.match(await overlay(), /newTag: 1\.0\.2 # set by Tiphys\n$/);
    assert.equal(store.status('ImageUpdater', 'hello').lastCommit, await git.headCommit('config'));
    assert.deepEqual(commits, ['pushed', 'pushed']);
  });

  test('credentials the registry refuses: the scan fails with the reason, no password shown, nothing committed', async () => {
    const head = await git.headCommit('config');
    const repo = store.kinds.ImageRepository[0];
    repo.spec.credentials = { secretName: 'wrong' };
    repo.metadata.generation = 2;
    await pushProbeImage(registry, 'team/hello', '1.0.3');
    loop.requestScan(['hello']);
    await loop.idle();
    const status = store.status('ImageRepository', 'hello');
    assert.equal(status.conditions?.[0]?.type, 'ScanFailed');
    assert.match(
      status.conditions[0].message,
      /scan of .*team\/hello failed: .*(401|unauthori[sz]ed|credentials)/i,
    );
    assert.doesNotMatch(status.conditions[0].message, /not-the-password/);
    assert.ok(!JSON.stringify(store.kinds).includes(registry.password));
    assert.match(store.status('ImagePolicy', 'hello').conditions?.[0]?.message ?? '', /scan of .* failed/);
    assert.equal(await git.headCommit('config'), head);
    assert.doesNotMatch(await overlay(), /1\.0\.3/);
  });
});
