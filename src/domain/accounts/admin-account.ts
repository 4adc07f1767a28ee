// The local admin account, as Argo CD keeps it: Secret `tiphys-secret` holds the admin password
// (scrypt hash only) and the key that signs session tokens; the generated initial password waits
// in clear in `tiphys-initial-admin-secret` until `tiphys admin initial-password` shows it once
// and deletes it.
import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  createDocument,
  objectPath,
  readDocument,
  statusOf,
  updateDocument,
} from '../../adapters/control-plane/document-store.ts';
import { KubeRest } from '../../adapters/kube/rest.ts';
import { generatePassword, hashPassword } from './password.ts';

export const ADMIN_SECRET = 'tiphys-secret';
export const INITIAL_ADMIN_SECRET = 'tiphys-initial-admin-secret';
export const ADMIN_PASSWORD_KEY = 'admin.password';
const PASSWORD_MTIME_KEY = 'admin.passwordMtime';
export const SIGNING_KEY_KEY = 'server.secretkey';
const SIGNING_KEY_BYTES = 32;

export interface EnsureAdminResult {
  /** True when this call generated the initial admin password. */
  created: boolean;
}

/** Creates `tiphys-secret` (and the initial password) once; later calls change nothing. */
export async function ensureAdminAccount(
  kubeConfig: KubeConfig,
  namespace: string,
): Promise<EnsureAdminResult> {
  const rest = new KubeRest(kubeConfig);
  try {
    return await ensureAdminSecret(rest, namespace);
  } finally {
    rest.close();
  }
}

export async function ensureAdminSecret(rest: KubeRest, namespace: string): Promise<EnsureAdminResult> {
  const existing = await readDocument(rest, namespace, 'secrets', ADMIN_SECRET);
  if (!existing) {
    const password = generatePassword();
    const data = {
      [ADMIN_PASSWORD_KEY]: await hashPassword(password),
      [PASSWORD_MTIME_KEY]: new Date().toISOString(),
      [SIGNING_KEY_KEY]: newSigningKey(),
    };
    // Only the caller that created the Secret publishes its password: a concurrent caller that
    // lost the race must not overwrite the initial password with one that was never stored.
    if (await createDocument(rest, namespace, 'secrets', ADMIN_SECRET, data)) {
      await updateDocument(rest, namespace, 'secrets', INITIAL_ADMIN_SECRET, () => ({ password }));
      return { created: true };
    }
    return ensureAdminSecret(rest, namespace);
  }
  // A Secret made by hand may lack the signing key; it is added without touching the rest.
  if (!validSigningKey(existing.data[SIGNING_KEY_KEY])) {
    await updateDocument(rest, namespace, 'secrets', ADMIN_SECRET, (data) =>
      validSigningKey(data[SIGNING_KEY_KEY]) ? data : { ...data, [SIGNING_KEY_KEY]: newSigningKey() },
    );
  }
  return { created: false };
}

function newSigningKey(): string {
  return randomBytes(SIGNING_KEY_BYTES).toString('base64');
}

function validSigningKey(value: string | undefined): boolean {
  return value !== undefined && Buffer.from(value, 'base64').length >= SIGNING_KEY_BYTES;
}

export interface AdminSecret {
  passwordHash?: string;
  signingKey?: Buffer;
}

export async function readAdminSecret(rest: KubeRest, namespace: string): Promise<AdminSecret> {
  const secret = await readDocument(rest, namespace, 'secrets', ADMIN_SECRET);
  const key = secret?.data[SIGNING_KEY_KEY];
  return {
    passwordHash: secret?.data[ADMIN_PASSWORD_KEY],
    signingKey: key && validSigningKey(key) ? Buffer.from(key, 'base64') : undefined,
  };
}

/**
 * Stores `newHash` (the same password, hashed with today's parameters) in place of `oldHash`;
 * a password changed meanwhile by someone else is left alone. True when it was replaced.
 */
export async function replaceAdminPasswordHash(
  rest: KubeRest,
  namespace: string,
  oldHash: string,
  newHash: string,
): Promise<boolean> {
  const current = await readDocument(rest, namespace, 'secrets', ADMIN_SECRET);
  if (current?.data[ADMIN_PASSWORD_KEY] !== oldHash) return false;
  let replaced = false;
  await updateDocument(rest, namespace, 'secrets', ADMIN_SECRET, (data) => {
    replaced = data[ADMIN_PASSWORD_KEY] === oldHash;
    return replaced ? { ...data, [ADMIN_PASSWORD_KEY]: newHash } : data;
  });
  return replaced;
}

/**
 * The initial admin password, deleting the Secret that held it; undefined when it is already
 * gone. The delete is conditional on the version read, so of two concurrent callers only the one
 * whose delete succeeds gets the password: it is revealed exactly once.
 */
export async function takeInitialAdminPassword(
  rest: KubeRest,
  namespace: string,
): Promise<string | undefined> {
  const secret = await readDocument(rest, namespace, 'secrets', INITIAL_ADMIN_SECRET);
  const password = secret?.data.password;
  if (!secret || !password) return undefined;
  try {
    await rest.request('DELETE', objectPath(namespace, 'secrets', INITIAL_ADMIN_SECRET), {
      body: {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        preconditions: { uid: secret.uid, resourceVersion: secret.resourceVersion },
      },
    });
  } catch (error) {
    const status = statusOf(error);
    if (status === 404 || status === 409) return undefined;
    throw error;
  }
  return password;
}
