// The committed files under deploy/ must equal what `npm run gen:crds` writes from the schemas.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { CRD_DIR, generatedDeployFiles, INSTALL_DIR } from './crd-files.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const regenerate = 'run `npm run gen:crds` and commit the result';

test('committed deploy files equal the generated ones', () => {
  for (const file of generatedDeployFiles()) {
    const path = join(root, file.path);
    assert.ok(existsSync(path), `${file.path} is missing: ${regenerate}`);
    assert.equal(readFileSync(path, 'utf8'), file.content, `${file.path} is stale: ${regenerate}`);
  }
});

test('deploy/crds holds no CRD file that is no longer generated', () => {
  const generated = new Set(generatedDeployFiles().map((file) => file.path));
  for (const name of readdirSync(join(root, CRD_DIR))) {
    assert.ok(generated.has(`${CRD_DIR}/${name}`), `${CRD_DIR}/${name} is not generated: ${regenerate}`);
  }
});

test('the install kustomization lists files that exist and parse', () => {
  const kustomization = parse(readFileSync(join(root, INSTALL_DIR, 'kustomization.yaml'), 'utf8'));
  for (const resource of kustomization.resources as string[]) {
    const path = join(root, INSTALL_DIR, resource);
    assert.ok(existsSync(path), `${INSTALL_DIR}/${resource} does not exist`);
    if (!resource.endsWith('.yaml')) continue;
    for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) {
      assert.deepEqual(doc.errors, [], `${resource} is not valid YAML`);
      assert.ok(doc.get('kind'), `${resource}: every document has a kind`);
    }
  }
});
