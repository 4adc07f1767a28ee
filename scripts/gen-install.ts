// Writes deploy/install.yaml and the Helm chart's CRDs from deploy/ (see scripts/deploy/generated.ts).
// Run with `npm run gen:install` after changing deploy/install or the CRDs.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensureTestbedBinary } from '../testbed/src/binaries.ts';
import { generatedInstallFiles, repoRoot } from './deploy/generated.ts';

const files = await generatedInstallFiles(await ensureTestbedBinary('kustomize'));
for (const file of files) {
  mkdirSync(dirname(join(repoRoot, file.path)), { recursive: true });
  writeFileSync(join(repoRoot, file.path), file.content);
  console.log(`wrote ${file.path}`);
}
const written = new Set(files.map((file) => file.path));
for (const name of readdirSync(join(repoRoot, 'deploy/chart/crds'))) {
  const path = `deploy/chart/crds/${name}`;
  if (!written.has(path)) {
    rmSync(join(repoRoot, path));
    console.log(`removed ${path}`);
  }
}
