// Decryption of SOPS-encrypted Kubernetes documents (the `sops` tool's format, age recipients),
// in process: the data key is opened with the project's age identities, every `ENC[AES256_GCM,…]`
// value with that key and its path as additional data, and the document's MAC is checked, so a
// value moved, removed, changed or added after encryption is refused (a tampered file). Nothing
// is written anywhere: plain values exist only in the returned object.
import { createDecipheriv, createHash } from 'node:crypto';
import type { KubeObject } from '../../core/manifest/object.ts';

export class SopsError extends Error {
  override name = 'SopsError';
  readonly terminal = true;
}

interface SopsMetadata {
  age?: { recipient?: string; enc?: string }[];
  lastmodified?: string;
  mac?: string;
  unencrypted_suffix?: string;
  encrypted_suffix?: string;
  unencrypted_regex?: string;
  encrypted_regex?: string;
  unencrypted_comment_regex?: string;
  encrypted_comment_regex?: string;
  mac_only_encrypted?: boolean;
  shamir_threshold?: number;
  key_groups?: unknown;
  [other: string]: unknown;
}

const encPattern = /^ENC\[AES256_GCM,data:([^,]*),iv:([^,]+),tag:([^,]+),type:([a-z]+)\]$/;
/** Key services Tiphys has no keys for: a document only they can open is refused by name. */
const otherKeyServices = ['kms', 'gcp_kms', 'azure_kv', 'hc_vault', 'pgp', 'huawei_kms'];

/** Whether a rendered object is a SOPS document (it carries the tool's `sops` metadata). */
export function isSopsEncrypted(obj: KubeObject): boolean {
  const sops = (obj as Record<string, unknown>).sops;
  return typeof sops === 'object' && sops !== null && !Array.isArray(sops);
}

/**
 * The plain object of a SOPS document, its `sops` metadata removed. `identities` are age secret
 * keys (AGE-SECRET-KEY-1…); `label` names the document in messages. Messages never hold a value
 * or a key.
 */
export async function decryptSopsObject(
  obj: KubeObject,
  identities: readonly string[],
  label: string,
): Promise<KubeObject> {
  const { sops, ...document } = obj as unknown as Record<string, unknown> & { sops: SopsMetadata };
  const dataKey = await openDataKey(sops, identities, label);
  const rules = encryptionRules(sops, label);
  const hash = createHash('sha512');
  if (sops.mac_only_encrypted) hash.update(macOnlyEncryptedInitialization);
  const walk = (value: unknown, path: string[]): unknown => {
    if (Array.isArray(value)) return value.map((item) => walk(item, path));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(value)) out[key] = walk(field, [...path, key]);
      return out;
    }
    if (value === null || value === undefined) return value;
    const encrypted = rules(path);
    let plain: unknown = value;
    if (encrypted) {
      if (typeof value !== 'string')
        throw new SopsError(
          `${label}: ${path.join('.')} should be encrypted but is not (the file was changed)`,
        );
      plain = decryptValue(value, dataKey, `${path.join(':')}:`, `${label}: ${path.join('.')}`);
    }
    if (!sops.mac_only_encrypted || encrypted) hash.update(macBytes(plain));
    return plain;
  };
  const plain = walk(document, []) as KubeObject;
  const mac = sops.mac;
  if (typeof mac !== 'string' || typeof sops.lastmodified !== 'string')
    throw new SopsError(`${label}: the sops metadata has no mac or lastmodified`);
  const expected = decryptValue(mac, dataKey, sops.lastmodified, `${label}: sops.mac`);
  if (expected !== hash.digest('hex').toUpperCase())
    throw new SopsError(`${label}: the MAC does not match: the document was changed after it was encrypted`);
  return plain;
}

// The tool starts a MAC over encrypted values only with sha256("sops"), so that it differs
// from a MAC over all values.
const macOnlyEncryptedInitialization = createHash('sha256').update('sops').digest();

async function openDataKey(
  sops: SopsMetadata,
  identities: readonly string[],
  label: string,
): Promise<Uint8Array> {
  if (sops.shamir_threshold !== undefined || sops.key_groups !== undefined)
    throw new SopsError(`${label}: SOPS key groups (Shamir) are not supported; encrypt to age recipients`);
  const stanzas = (sops.age ?? []).filter((entry) => typeof entry?.enc === 'string');
  if (stanzas.length === 0) {
    const others = otherKeyServices.filter(
      (name) => Array.isArray(sops[name]) && (sops[name] as unknown[]).length,
    );
    throw new SopsError(
      `${label}: not encrypted to an age recipient${others.length ? ` (only ${others.join(', ')})` : ''}; Tiphys decrypts with age keys`,
    );
  }
  if (identities.length === 0)
    throw new SopsError(
      `${label}: is SOPS-encrypted, and the app's project has no age key (a Secret labelled tiphys.dev/secret-type: sops-age)`,
    );
  // Loaded on the first encrypted document: with its post-quantum keys, age is the largest
  // library an ordinary controller would otherwise keep in memory unused (docs/performance.md).
  const { armor, Decrypter } = await import('age-encryption');
  const decrypter = new Decrypter();
  for (const identity of identities) decrypter.addIdentity(identity);
  for (const stanza of stanzas) {
    try {
      const key = await decrypter.decrypt(armor.decode(stanza.enc as string));
      if (key.length === 32) return key;
    } catch {
      // Another recipient's stanza; the next may be ours.
    }
  }
  const recipients = stanzas.map((s) => s.recipient ?? '?').join(', ');
  throw new SopsError(`${label}: none of the project's age keys opens it (encrypted for ${recipients})`);
}

function encryptionRules(sops: SopsMetadata, label: string): (path: string[]) => boolean {
  if (sops.unencrypted_comment_regex || sops.encrypted_comment_regex)
    throw new SopsError(`${label}: SOPS comment regexes are not supported`);
  const regex = (pattern: string | undefined) => {
    if (!pattern) return undefined;
    try {
      return new RegExp(pattern);
    } catch {
      throw new SopsError(`${label}: the sops metadata holds an invalid regular expression`);
    }
  };
  const unencryptedRegex = regex(sops.unencrypted_regex);
  const encryptedRegex = regex(sops.encrypted_regex);
  const unencryptedSuffix = sops.unencrypted_suffix;
  const encryptedSuffix = sops.encrypted_suffix;
  // The same order of rules as the tool: each later rule can override the earlier ones.
  return (path) => {
    let encrypted = true;
    if (unencryptedSuffix && path.some((key) => key.endsWith(unencryptedSuffix))) encrypted = false;
    if (encryptedSuffix) encrypted = path.some((key) => key.endsWith(encryptedSuffix));
    if (unencryptedRegex && path.some((key) => unencryptedRegex.test(key))) encrypted = false;
    if (encryptedRegex) encrypted = path.some((key) => encryptedRegex.test(key));
    return encrypted;
  };
}

function decryptValue(value: string, key: Uint8Array, aad: string, where: string): unknown {
  const match = encPattern.exec(value);
  if (!match) throw new SopsError(`${where}: not a SOPS-encrypted value (the file was changed)`);
  const [, data, iv, tag, type] = match;
  let text: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    text = Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new SopsError(`${where}: does not decrypt: the value was changed or moved`);
  }
  switch (type) {
    case 'str':
    case 'bytes':
    case 'comment':
      return text;
    case 'int':
      return Number.parseInt(text, 10);
    case 'float':
      return Number.parseFloat(text);
    case 'bool':
      return text === 'True';
    default:
      throw new SopsError(`${where}: unknown SOPS value type ${JSON.stringify(type)}`);
  }
}

/** What the tool hashes for a value (Go's formatting: booleans as True/False). */
function macBytes(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}
