// Writes the generated files under deploy/ (CRDs, their kustomization and the namespace) from
// src/core/model, and removes CRD files that are no longer generated.
// Run with `npm run gen:crds` after changing a schema; crd-files.test.ts fails until you do.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRD_DIR, generatedDeployFiles } from '../src/core/model/crd-files.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = generatedDeployFiles();

for (const file of files) {
  const target = join(root, file.path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, file.content);
  console.log(`wrote ${file.path}`);
}

const generated = new Set(files.map((file) => file.path));
for (const name of readdirSync(join(root, CRD_DIR))) {
  const path = `${CRD_DIR}/${name}`;
  if (name.endsWith('.yaml') && !generated.has(path)) {
    rmSync(join(root, path));
    console.log(`removed ${path}`);
  }
}
