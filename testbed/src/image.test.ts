import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  pushImage,
  remoteDigest,
  remoteManifest,
  validateRemote,
  writeImageArchive,
  writeImageLayout,
} from './image.ts';
import { blobPath } from './image-layout.ts';
import { startRegistry, type TestRegistry } from './registry.ts';

const run = promisify(execFile);
const scratch = await mkdtemp(join(tmpdir(), 'tiphys-image-test-'));
after(() => rm(scratch, { recursive: true, force: true }));

const longName = `${'deep-folder-name/'.repeat(8)}file-with-a-name-longer-than-ustar-allows.txt`;

/** A source folder with the cases a tar writer gets wrong: long and non-ASCII names, links, modes. */
function sourceFolder(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  mkdirSync(join(dir, longName, '..'), { recursive: true });
  mkdirSync(join(dir, 'skipped'));
  writeFileSync(join(dir, 'bin', 'tool'), '#!/bin/sh\necho tool\n', { mode: 0o775 });
  writeFileSync(join(dir, 'readme.txt'), 'hello\n', { mode: 0o600 });
  writeFileSync(join(dir, 'café.txt'), 'ü\n');
  writeFileSync(join(dir, longName), 'long\n');
  writeFileSync(join(dir, 'skipped', 'secret'), 'not in the image\n');
  symlinkSync('bin/tool', join(dir, 'link-to-tool'));
  return dir;
}

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

async function build(dir: string, source: string, rootfs: string) {
  return writeImageLayout(dir, '127.0.0.1:5000/test/app:v1', {
    mtime: 1_700_000_000,
    layers: [
      { tarball: rootfs, comment: 'rootfs' },
      {
        items: [
          { dir: source, to: '/opt/app', exclude: (path) => path === 'skipped' },
          { directory: '/tmp', mode: 0o1777 },
          { content: 'app:x:10001:10001::/home/app:/bin/sh\n', to: '/etc/passwd' },
        ],
      },
      { items: [{ symlink: '/opt/app/bin/tool', to: '/usr/local/bin/tool', uid: 10001 }] },
    ],
    config: {
      entrypoint: ['/usr/local/bin/tool'],
      cmd: ['--help'],
      env: { APP_MODE: 'test' },
      user: '10001:10001',
      workingDir: '/opt/app',
      exposedPorts: [8080, '9090/udp'],
    },
  });
}

describe('OCI layout', () => {
  let source: string;
  let rootfs: string;
  before(() => {
    source = sourceFolder('src');
    const root = join(scratch, 'rootfs');
    mkdirSync(join(root, 'bin'), { recursive: true });
    writeFileSync(join(root, 'bin', 'sh'), 'not really a shell\n');
    rootfs = join(scratch, 'rootfs.tar');
    execFileSync('tar', ['-cf', rootfs, '-C', root, '.']);
  });

  test('writes layers, config and manifest whose digests match their bytes', async () => {
    const dir = join(scratch, 'layout');
    const image = await build(dir, source, rootfs);
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    assert.equal(index.manifests.length, 1);
    assert.equal(index.manifests[0].digest, image.digest);
    assert.equal(index.manifests[0].annotations['io.containerd.image.name'], '127.0.0.1:5000/test/app:v1');
    assert.equal(index.manifests[0].annotations['org.opencontainers.image.ref.name'], 'v1');

    const manifestBytes = readFileSync(blobPath(dir, image.digest));
    assert.equal(sha256(manifestBytes), image.digest);
    const manifest = JSON.parse(manifestBytes.toString());
    assert.equal(manifest.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(manifest.layers.length, 3);
    const config = JSON.parse(readFileSync(blobPath(dir, manifest.config.digest), 'utf8'));
    for (const [i, layer] of manifest.layers.entries()) {
      const blob = readFileSync(blobPath(dir, layer.digest));
      assert.equal(sha256(blob), layer.digest);
      assert.equal(blob.length, layer.size);
      assert.equal(sha256(gunzipSync(blob)), config.rootfs.diff_ids[i]);
    }
    // The rootfs tarball is the first layer unchanged.
    assert.equal(config.rootfs.diff_ids[0], sha256(readFileSync(rootfs)));
    assert.deepEqual(config.config, {
      Entrypoint: ['/usr/local/bin/tool'],
      Cmd: ['--help'],
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'APP_MODE=test'],
      User: '10001:10001',
      WorkingDir: '/opt/app',
      ExposedPorts: { '8080/tcp': {}, '9090/udp': {} },
    });
    assert.equal(config.created, '2023-11-14T22:13:20.000Z');
    assert.equal(config.os, 'linux');
  });

  test('GNU tar reads the files layer back: names, modes, owners and symlinks', async () => {
    const dir = join(scratch, 'layout-read');
    const image = await build(dir, source, rootfs);
    const layer = image.layers[1];
    assert.ok(layer);
    const archive = join(scratch, 'layer.tar');
    writeFileSync(archive, gunzipSync(readFileSync(blobPath(dir, layer.digest))));
    const { stdout } = await run('tar', ['-tvf', archive, '--numeric-owner', '--quoting-style=literal']);
    const lines = stdout.trim().split('\n');
    const line = (path: string) =>
      lines.find((each) => each.endsWith(` ${path}`) || each.includes(` ${path} -> `));
    assert.match(line('opt/app/bin/tool') ?? '', /^-rwxr-xr-x 0\/0 .* 2023-11-14/);
    assert.match(line('opt/app/readme.txt') ?? '', /^-rw-r--r-- 0\/0 /);
    assert.match(line('opt/app/link-to-tool -> bin/tool') ?? '', /^lrwxrwxrwx /);
    assert.match(line('tmp/') ?? '', /^drwxrwxrwt /);
    assert.ok(line(`opt/app/${longName}`), `long name missing from:\n${stdout}`);
    assert.ok(line('opt/app/café.txt'), `non-ASCII name missing from:\n${stdout}`);
    assert.ok(!stdout.includes('skipped'), 'an excluded folder reached the layer');
    const extracted = join(scratch, 'extracted');
    mkdirSync(extracted);
    await run('tar', ['-xf', archive, '-C', extracted]);
    assert.equal(readFileSync(join(extracted, 'opt/app', longName), 'utf8'), 'long\n');
    assert.equal(readFileSync(join(extracted, 'opt/app/café.txt'), 'utf8'), 'ü\n');
    const linkLayer = join(scratch, 'link-layer.tar');
    writeFileSync(linkLayer, gunzipSync(readFileSync(blobPath(dir, image.layers[2]?.digest ?? ''))));
    const links = await run('tar', ['-tvf', linkLayer, '--numeric-owner']);
    assert.match(
      links.stdout.trim(),
      /^lrwxrwxrwx 10001\/10001 .* usr\/local\/bin\/tool -> \/opt\/app\/bin\/tool$/,
    );
  });

  test('the same inputs give the same digest; a changed file a different one', async () => {
    const first = await build(join(scratch, 'same-1'), source, rootfs);
    const second = await build(join(scratch, 'same-2'), source, rootfs);
    assert.equal(first.digest, second.digest);
    writeFileSync(join(source, 'readme.txt'), 'changed\n');
    const third = await build(join(scratch, 'same-3'), source, rootfs);
    assert.notEqual(third.digest, first.digest);
    assert.equal(third.layers[0]?.digest, first.layers[0]?.digest);
  });

  test('a gzipped rootfs tarball is used as the blob as it is', async () => {
    const gz = join(scratch, 'rootfs.tar.gz');
    writeFileSync(gz, gzipSync(readFileSync(rootfs)));
    const image = await writeImageLayout(join(scratch, 'layout-gz'), 'r.test/a:1', {
      layers: [{ tarball: gz }],
      config: {},
    });
    assert.equal(image.layers[0]?.digest, sha256(readFileSync(gz)));
    assert.equal(image.layers[0]?.diffId, sha256(readFileSync(rootfs)));
  });

  test('bad input names the path and writes no image', async () => {
    const dir = join(scratch, 'layout-bad');
    await assert.rejects(
      writeImageLayout(dir, 'r.test/a:1', {
        layers: [{ items: [{ content: 'x', to: '/../etc/x' }] }],
        config: {},
      }),
      /image path "\/\.\.\/etc\/x" must be absolute, below \/ and without "\.\."/,
    );
    await assert.rejects(
      writeImageLayout(dir, 'r.test/a:1', {
        layers: [{ items: [{ content: 'x', to: 'relative' }] }],
        config: {},
      }),
      /image path "relative"/,
    );
    const fifoDir = join(scratch, 'with-fifo');
    mkdirSync(fifoDir);
    execFileSync('mkfifo', [join(fifoDir, 'pipe')]);
    await assert.rejects(
      writeImageLayout(dir, 'r.test/a:1', { layers: [{ items: [{ dir: fifoDir, to: '/x' }] }], config: {} }),
      new RegExp(`${join(fifoDir, 'pipe')}: not a file, folder or symlink`),
    );
    assert.throws(() => readFileSync(join(dir, 'index.json')), /ENOENT/);
  });

  test('the OCI archive holds the index, the layout file and every referenced blob', async () => {
    const dir = join(scratch, 'layout-archive');
    const image = await build(dir, source, rootfs);
    const archive = join(scratch, 'image.tar');
    await writeImageArchive(dir, archive);
    const { stdout } = await run('tar', ['-tf', archive]);
    const names = stdout.trim().split('\n');
    assert.ok(names.includes('index.json') && names.includes('oci-layout'));
    for (const digest of [image.digest, image.configDigest, ...image.layers.map((l) => l.digest)]) {
      assert.ok(names.includes(`blobs/sha256/${digest.slice(7)}`), `${digest} missing`);
    }
    assert.equal(names.filter((name) => /^blobs\/sha256\/[0-9a-f]{64}$/.test(name)).length, 5);
  });
});

describe('push to a registry with TLS and basic auth', () => {
  let registry: TestRegistry;
  let access: { caFile: string; username: string; password: string };
  let layout: string;
  let built: Awaited<ReturnType<typeof build>>;
  before(async () => {
    registry = await startRegistry();
    access = { caFile: registry.caPath, username: registry.username, password: registry.password };
    const root = join(scratch, 'push-rootfs');
    mkdirSync(root);
    writeFileSync(join(root, 'hello'), 'hi\n');
    const rootfs = join(scratch, 'push-rootfs.tar');
    execFileSync('tar', ['-cf', rootfs, '-C', root, '.']);
    layout = join(scratch, 'push-layout');
    built = await build(layout, sourceFolder('push-src'), rootfs);
  });
  after(() => registry?.stop());

  test('crane pushes the layout and reads back the same manifest and digest', async () => {
    const ref = `${registry.host}/test/app:v1`;
    const pushed = await pushImage(layout, ref, access);
    assert.equal(pushed, `${registry.host}/test/app@${built.digest}`);
    assert.equal(await remoteDigest(ref, access), built.digest);
    const local = JSON.parse(readFileSync(blobPath(layout, built.digest), 'utf8'));
    assert.deepEqual(await remoteManifest(ref, access), local);
    await validateRemote(ref, access);
  });

  test('a wrong password is refused and never appears in the error', async () => {
    const password = 'wrong-password-42';
    const ref = `${registry.host}/test/app:denied`;
    await assert.rejects(pushImage(layout, ref, { ...access, password }), (error: Error) => {
      assert.match(
        error.message,
        /crane push .*denied failed: .*(UNAUTHORIZED|401|authentication required)/i,
      );
      assert.ok(!error.message.includes(password));
      return true;
    });
    await assert.rejects(remoteDigest(ref, access), /MANIFEST_UNKNOWN|NAME_UNKNOWN|404/);
  });

  test('without the CA the registry certificate is not trusted', async () => {
    const { caFile: _, ...noCa } = access;
    await assert.rejects(pushImage(layout, `${registry.host}/test/app:noca`, noCa), /x509|certificate/);
  });
});
