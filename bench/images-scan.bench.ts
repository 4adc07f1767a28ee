// Scan cost of the image automation: 100 image repositories × 1,000 tags each on the testbed
// registry (distribution, TLS, basic auth), scanned by the controller loop's own functions
// (scanRepository + evaluatePolicy, statuses written to a real API server): 96 semver policies,
// 2 `newest` (creation time from each tag's config blob) and 2 `digest` (a mutable tag). Counted
// on the registry's side (its access log) and as this process's CPU seconds, for a full scan
// (nothing cached) and for a scan when nothing changed. Target: an unchanged scan makes only
// tag-list requests (plus the one HEAD a digest policy needs), no manifest or blob fetch.
// Floor: 100 bare authenticated GETs of the tag lists (the least any scan must do).
// The 100,000 tags are written into the registry's storage (tag links to one pushed manifest),
// as the registry itself writes them: pushing them one by one would take an hour.
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { ImageObjects } from '../src/adapters/control-plane/image-objects.ts';
import { GitWriter } from '../src/adapters/git/commit-edit.ts';
import { clearRegistryCaches } from '../src/adapters/registry/client.ts';
import type { ImagePolicy } from '../src/core/model/image-policy.ts';
import type { ImageRepository } from '../src/core/model/image-repository.ts';
import { evaluatePolicy, type ImageAutomationDeps, scanRepository } from '../src/domain/images/automation.ts';
import { createImageObject, createRegistrySecrets } from '../test/e2e/image-kit.ts';
import { NAMESPACE, startEnv } from '../test/e2e/support.ts';
import { pushProbeImage } from '../testbed/src/node/real-node-kit.ts';
import { startRegistry, type TestRegistry } from '../testbed/src/registry.ts';
import { checkVerdict, report } from './stats.ts';

const REPOS = 100;
const TAGS = 1_000;
const name = (i: number) => `scan/r${String(i).padStart(3, '0')}`;
const tagOf = (i: number) => `1.${Math.floor(i / 100)}.${i % 100}`;
const policyOf = (i: number) =>
  i < 2 ? { newest: {} } : i < 4 ? { digest: { tag: '1.0.0' } } : { semver: { range: '>=1.0.0' } };

/** Clones repository scan/r000 (one pushed image) into 100 repositories of 1,000 tags each. */
function fillStorage(registry: TestRegistry): void {
  const repos = join(registry.dir, 'data/docker/registry/v2/repositories');
  const tags = join(repos, name(0), '_manifests/tags');
  const [pushed] = readdirSync(tags);
  const digest = readFileSync(join(tags, pushed, 'current/link'), 'utf8');
  const hex = digest.replace('sha256:', '');
  for (let t = 0; t < TAGS; t++) {
    const dir = join(tags, tagOf(t));
    mkdirSync(join(dir, 'current'), { recursive: true });
    mkdirSync(join(dir, 'index/sha256', hex), { recursive: true });
    writeFileSync(join(dir, 'current/link'), digest);
    writeFileSync(join(dir, 'index/sha256', hex, 'link'), digest);
  }
  for (let i = 1; i < REPOS; i++) cpSync(join(repos, name(0)), join(repos, name(i)), { recursive: true });
}

/** Requests the registry logged since `from` (its access log, one line per request). */
function registryRequests(registry: TestRegistry, from: number): Record<string, number> {
  const lines = readFileSync(registry.logPath, 'utf8').split('\n').slice(from);
  const count: Record<string, number> = { total: 0, tagLists: 0, manifests: 0, blobs: 0, other: 0 };
  for (const line of lines) {
    const m = /"(GET|HEAD|PUT|POST|PATCH) (\S+) HTTP/.exec(line);
    if (!m) continue;
    count.total++;
    if (m[2].includes('/tags/list')) count.tagLists++;
    else if (m[2].includes('/manifests/')) count.manifests++;
    else if (m[2].includes('/blobs/')) count.blobs++;
    else count.other++;
  }
  return count;
}
const logLines = (registry: TestRegistry) => readFileSync(registry.logPath, 'utf8').split('\n').length - 1;

function bareGet(registry: TestRegistry, path: string): Promise<void> {
  const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, registry.url),
      { ca: registry.caPem, headers: { authorization: `Basic ${auth}` } },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`${path}: ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const registry = await startRegistry({ accessLog: true });
const env = await startEnv('bench-scan');
try {
  await pushProbeImage(registry, name(0), 'pushed');
  fillStorage(registry);
  await createRegistrySecrets(env, 'scan-registry', registry);
  for (let i = 0; i < REPOS; i++) {
    const object = `r${String(i).padStart(3, '0')}`;
    await createImageObject(env, 'ImageRepository', object, {
      image: `${registry.host}/${name(i)}`,
      credentials: { secretName: 'scan-registry' },
      ca: { secretName: 'scan-registry' },
      interval: '1h',
    });
    await createImageObject(env, 'ImagePolicy', object, {
      imageRepositoryRef: { name: object },
      policy: policyOf(i),
    });
  }
  const objects = new ImageObjects(env.rest, NAMESPACE);
  const deps: ImageAutomationDeps = {
    objects,
    writeBack: {
      writer: new GitWriter({ workDir: join(registry.dir, 'unused') }),
      credentialsFor: async () => undefined,
    },
  };
  const digests = new Map<string, string>();

  /** One pass of the loop over every repository: scan, then each policy. */
  async function fullPass(): Promise<{ seconds: number; cpu: number; requests: Record<string, number> }> {
    const [repos, policies] = await Promise.all([
      objects.list('ImageRepository') as Promise<ImageRepository[]>,
      objects.list('ImagePolicy') as Promise<ImagePolicy[]>,
    ]);
    const from = logLines(registry);
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (const repo of repos) {
      const scan = await scanRepository(deps, repo);
      if (scan.error) throw new Error(scan.error);
      for (const policy of policies.filter((p) => p.spec.imageRepositoryRef.name === repo.metadata.name)) {
        const chosen = await evaluatePolicy(deps, policy, repo, scan, digests);
        if (!chosen) throw new Error(`policy ${policy.metadata.name} chose nothing`);
      }
    }
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    // The registry writes its log asynchronously: give it a moment to reach the file.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    return { seconds, cpu: (used.user + used.system) / 1e6, requests: registryRequests(registry, from) };
  }

  // Floor: the tag lists alone.
  const floorFrom = logLines(registry);
  const floorCpu = process.cpuUsage();
  const floorStart = performance.now();
  for (let i = 0; i < REPOS; i++) await bareGet(registry, `/v2/${name(i)}/tags/list?n=1000`);
  const floorSeconds = (performance.now() - floorStart) / 1000;
  const floorUsed = process.cpuUsage(floorCpu);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const floorRequests = registryRequests(registry, floorFrom).total;
  const floorCpuSeconds = (floorUsed.user + floorUsed.system) / 1e6;

  clearRegistryCaches();
  const full = await fullPass();
  const unchanged = await fullPass();
  const print = (label: string, pass: typeof full) => {
    const r = pass.requests;
    report(`${label}: registry requests`, r.total, 'req', { name: 'bare tag lists', value: floorRequests });
    console.log(
      `${''.padEnd(48)}   tag lists ${r.tagLists}, manifests ${r.manifests}, blobs ${r.blobs}, other ${r.other}`,
    );
    report(`${label}: CPU of Tiphys`, pass.cpu, 's', { name: 'bare tag lists', value: floorCpuSeconds });
    report(`${label}: wall time`, pass.seconds, 's', { name: 'bare tag lists', value: floorSeconds });
  };
  console.log(`${REPOS} repositories × ${TAGS} tags (96 semver, 2 newest, 2 digest policies)`);
  print('full scan', full);
  print('unchanged scan', unchanged);
  const onlyTagLists = unchanged.requests.manifests <= 2 && unchanged.requests.blobs === 0;
  console.log(
    checkVerdict(
      onlyTagLists,
      `an unchanged scan fetches only tag lists, no manifest or blob beyond the 2 digest policies' HEADs (manifests ${unchanged.requests.manifests}, blobs ${unchanged.requests.blobs})`,
      'issue 9',
    ),
  );
} finally {
  await env.stop();
  await registry.stop();
}
// An open handle of the in-process clients kept the process alive after the figures: exit here.
process.exit(process.exitCode ?? 0);
