// The files generated from others must be committed up to date: the one-file install, the Helm
// chart's CRDs, and the Dockerfile made from the image description.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { generatedInstallFiles, repoRoot } from '../../scripts/deploy/generated.ts';
import { dockerfile, dockerignore } from '../../scripts/image/dockerfile.ts';
import { ensureTestbedBinary } from '../../testbed/src/binaries.ts';

function committed(path: string): string | undefined {
  const full = join(repoRoot, path);
  return existsSync(full) ? readFileSync(full, 'utf8') : undefined;
}

test('deploy/install.yaml and the chart CRDs equal what `npm run gen:install` writes', async () => {
  const files = await generatedInstallFiles(await ensureTestbedBinary('kustomize'));
  for (const file of files) {
    assert.ok(committed(file.path) === file.content, `${file.path} is stale: run npm run gen:install`);
  }
  const crds = readdirSync(join(repoRoot, 'deploy/chart/crds')).map((name) => `deploy/chart/crds/${name}`);
  assert.deepEqual(
    crds.sort(),
    files
      .filter((f) => f.path.startsWith('deploy/chart/crds/'))
      .map((f) => f.path)
      .sort(),
  );
  const install = files[0]?.content ?? '';
  assert.match(install, /kind: Deployment\n[\s\S]*name: tiphys-controller/);
  assert.match(install, /name: tiphys-server/);
});

test('the Dockerfile and .dockerignore equal what `npm run image -- --dockerfile` writes', () => {
  assert.ok(
    committed('Dockerfile') === dockerfile(),
    'Dockerfile is stale: run npm run image -- --dockerfile',
  );
  assert.ok(
    committed('.dockerignore') === dockerignore(),
    '.dockerignore is stale: run npm run image -- --dockerfile',
  );
  // The same runtime choices as the daemonless build, stated once in scripts/image/description.ts.
  const text = dockerfile();
  assert.match(text, /COPY --from=app \/src\/node_modules\/node\/bin\/node \/usr\/local\/bin\/node/);
  assert.match(text, /npm ci --omit=dev/);
  assert.match(text, /USER 65532:65532/);
  assert.match(text, /ENTRYPOINT \["\/usr\/local\/bin\/tiphys"\]/);
});
