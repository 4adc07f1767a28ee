// SOPS documents encrypted by the real `sops` tool (built from Go modules by testbed/build.sh),
// decrypted in process; and what an attacker with write access to Git would try: a value changed,
// moved to another key, a key added, a file encrypted for another key.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { parse } from 'yaml';
import { ensureTestbedBinary } from '../../../testbed/src/binaries.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { renderManifests } from '../render/render.ts';
import { testTools } from '../render/testkit.ts';
import { decryptSopsObject, isSopsEncrypted, SopsError } from './decrypt.ts';

const secretYaml = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
type: Opaque
stringData:
  password: hunter2-very-secret
  user: admin
  port: 5432
  tls: true
`;

let sops: string;
let work: string;
let identity: string;
let recipient: string;

before(async () => {
  sops = await ensureTestbedBinary('sops');
  work = await mkdtemp(join(tmpdir(), 'tiphys-sops-test-'));
  identity = await generateIdentity();
  recipient = await identityToRecipient(identity);
});
after(() => rm(work, { recursive: true, force: true }));

/**
 * The document as the real tool encrypts it for `to`, with its extra flags; `config` is a
 * `.sops.yaml` creation rule's extra lines (settings with no flag, like mac_only_encrypted).
 */
async function encrypted(flags: string[] = [], to = recipient, config = ''): Promise<KubeObject> {
  const id = Math.random().toString(36).slice(2);
  const file = join(work, `plain-${id}.yaml`);
  await writeFile(file, secretYaml);
  const rule = join(work, `sops-${id}.yaml`);
  await writeFile(rule, `creation_rules:\n  - age: ${to}\n${config}`);
  const { stdout } = await promisify(execFile)(sops, ['--config', rule, 'encrypt', ...flags, file], {
    env: { PATH: process.env.PATH, HOME: work },
  });
  return parse(stdout) as KubeObject;
}

const refused = (pattern: RegExp) => (error: Error) => {
  assert.ok(error instanceof SopsError, `${error.name}: ${error.message}`);
  assert.match(error.message, pattern);
  assert.doesNotMatch(error.message, /hunter2|AGE-SECRET-KEY/);
  return true;
};

describe('SOPS documents of the real tool', () => {
  test('stringData encrypted (encrypted_regex) decrypts, types kept, the metadata removed', async () => {
    const doc = await encrypted(['--encrypted-regex', '^(data|stringData)$']);
    assert.ok(isSopsEncrypted(doc));
    assert.match(JSON.stringify(doc), /ENC\[AES256_GCM/);
    assert.doesNotMatch(JSON.stringify(doc), /hunter2/);
    const plain = await decryptSopsObject(doc, [identity], 'secret.yaml');
    assert.deepEqual(plain, parse(secretYaml));
    assert.equal(isSopsEncrypted(plain), false);
  });

  test('every value encrypted, unencrypted_suffix, and mac_only_encrypted decrypt too', async () => {
    for (const flags of [[], ['--unencrypted-suffix', 'name']]) {
      const plain = await decryptSopsObject(await encrypted(flags), [identity], 'secret.yaml');
      assert.deepEqual(plain, parse(secretYaml), flags.join(' '));
    }
    const macOnly = await encrypted(
      ['--encrypted-regex', '^stringData$'],
      recipient,
      '    mac_only_encrypted: true\n',
    );
    assert.equal((macOnly as { sops?: { mac_only_encrypted?: boolean } }).sops?.mac_only_encrypted, true);
    assert.deepEqual(await decryptSopsObject(macOnly, [identity], 'secret.yaml'), parse(secretYaml));
  });

  test('a value changed, a value moved to another key, a key added: refused as tampered', async () => {
    const doc = await encrypted(['--encrypted-regex', '^(data|stringData)$']);
    const data = () => structuredClone(doc) as KubeObject & { stringData: Record<string, unknown> };
    const changed = data();
    changed.stringData.user = String(changed.stringData.user).replace(
      /data:(.)/,
      (_m, c) => `data:${c === 'A' ? 'B' : 'A'}`,
    );
    await assert.rejects(
      decryptSopsObject(changed, [identity], 'a.yaml'),
      refused(/stringData.user: does not decrypt/),
    );
    const moved = data();
    [moved.stringData.user, moved.stringData.password] = [moved.stringData.password, moved.stringData.user];
    await assert.rejects(
      decryptSopsObject(moved, [identity], 'a.yaml'),
      refused(/does not decrypt: the value was changed or moved/),
    );
    const added = data();
    (added.metadata as Record<string, unknown>).labels = { sneaky: 'yes' };
    await assert.rejects(decryptSopsObject(added, [identity], 'a.yaml'), refused(/MAC does not match/));
    const renamed = data();
    renamed.metadata.name = 'other-db';
    await assert.rejects(decryptSopsObject(renamed, [identity], 'a.yaml'), refused(/MAC does not match/));
  });

  test('a document for another key, or with no key given: a clear error, no value', async () => {
    const other = await identityToRecipient(await generateIdentity());
    const doc = await encrypted([], other);
    await assert.rejects(
      decryptSopsObject(doc, [identity], 'theirs.yaml'),
      refused(
        new RegExp(`theirs.yaml: none of the project's age keys opens it \\(encrypted for ${other}\\)`),
      ),
    );
    await assert.rejects(decryptSopsObject(doc, [], 'theirs.yaml'), refused(/has no age key/));
  });

  test('limits, each named with its cause: key groups, a KMS/PGP-only document, a file of several documents', async () => {
    // Key groups (Shamir), as the real tool writes them.
    const second = await identityToRecipient(await generateIdentity());
    const rule = join(work, 'groups.sops.yaml');
    await writeFile(
      rule,
      `creation_rules:\n  - shamir_threshold: 2\n    key_groups:\n      - age: [${recipient}]\n      - age: [${second}]\n`,
    );
    const plain = join(work, 'groups.yaml');
    await writeFile(plain, secretYaml);
    const run = (args: string[]) =>
      promisify(execFile)(sops, args, { env: { PATH: process.env.PATH, HOME: work } });
    const grouped = parse((await run(['--config', rule, 'encrypt', plain])).stdout) as KubeObject;
    await assert.rejects(
      decryptSopsObject(grouped, [identity], 'Secret shop/db'),
      refused(/Secret shop\/db: SOPS key groups \(Shamir\) are not supported; encrypt to age recipients/),
    );
    // Only a PGP (or KMS) key can open it: no age stanza.
    const doc = await encrypted();
    const { age, ...others } = (doc as unknown as { sops: Record<string, unknown> }).sops;
    assert.ok(age);
    const pgpOnly = {
      ...doc,
      sops: { ...others, pgp: [{ fp: 'ABCDEF', enc: '-----BEGIN PGP MESSAGE-----' }] },
    };
    await assert.rejects(
      decryptSopsObject(pgpOnly as unknown as KubeObject, [identity], 'Secret shop/db'),
      refused(
        /Secret shop\/db: not encrypted to an age recipient \(only pgp\); Tiphys decrypts with age keys/,
      ),
    );
    // Two Secrets in one encrypted file: the directory renderer names the file.
    const repo = join(work, 'repo');
    await mkdir(join(repo, 'app'), { recursive: true });
    const two = join(work, 'two.yaml');
    await writeFile(two, `${secretYaml}---\n${secretYaml.replace('name: db', 'name: db2')}`);
    const rules = join(work, 'two.sops.yaml');
    await writeFile(rules, `creation_rules:\n  - age: ${recipient}\n`);
    await writeFile(
      join(repo, 'app', 'secrets.yaml'),
      (await run(['--config', rules, 'encrypt', two])).stdout,
    );
    await assert.rejects(
      renderManifests({ repoDir: repo, path: 'app', source: {}, appName: 'shop', tools: await testTools() }),
      refused(
        /app\/secrets\.yaml: a SOPS-encrypted file of 2 documents; Tiphys decrypts one document per file/,
      ),
    );
  });
});
