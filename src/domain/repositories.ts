// Git repository credentials: one labelled Secret each, which the controller matches to an
// Application's repoURL. Registered, listed and removed the same way by the CLI and the API
// server. Passwords and keys are write-only: no view here has a field that could hold one.
import { createHash } from 'node:crypto';
import { secretPath } from '../adapters/control-plane/paths.ts';
import type { ControlPlane } from './control-plane.ts';
import { credentialsLabels, deleteSecret, SECRET_TYPE_LABEL, upsertSecret } from './credential-secrets.ts';
import { ConflictError, InvalidRequestError, NotFoundError } from './errors.ts';

const REPOSITORY = 'repository';

/** What a person gives to register a repository (the key as text, not a file). */
export interface RepositoryInput {
  url: string;
  name?: string;
  username?: string;
  password?: string;
  sshPrivateKey?: string;
  /** Skip TLS certificate verification of an https repository (never SSH host keys). */
  insecure?: boolean;
  /** known_hosts lines trusted for the repository's SSH host. */
  sshKnownHosts?: string;
  /** Trust an SSH host key never seen before, then pin it for this repository. */
  sshAcceptNewHostKey?: boolean;
}

/** What may be shown of a registered repository: never a credential. */
export interface RepositoryView {
  url: string;
  /** The name given at registration, '' when none was. */
  name: string;
  username: string;
  credentials: 'password' | 'ssh-key' | 'none';
  insecure: boolean;
  /** The Secret holding it (the API server keeps this to itself). */
  secret: string;
}

export interface RepositorySecret {
  metadata: { name: string };
  data?: Record<string, string>;
}

/** A repository URL registered under another name (or, without replace, under this one). */
export class RepositoryExistsError extends ConflictError {
  override name = 'RepositoryExistsError';
  readonly existing: RepositoryView;
  /** Whether asking to replace would have written over it (same Secret). */
  readonly replaceable: boolean;
  constructor(existing: RepositoryView, replaceable: boolean) {
    super(`repository ${existing.url} is already registered (as ${repositoryName(existing)})`);
    this.existing = existing;
    this.replaceable = replaceable;
  }
}

/** The Secret name: `repo-<name>`, else a hash of the URL so the same URL maps to the same Secret. */
export function repositorySecretName(url: string, name?: string): string {
  return `repo-${name ?? createHash('sha256').update(url).digest('hex').slice(0, 10)}`;
}

/** The name a repository goes by in the API and RBAC: its given name, else its Secret's suffix. */
export function repositoryName(view: RepositoryView): string {
  return view.name || view.secret.replace(/^repo-/, '');
}

/** The Secret data of a registration, checked; plain strings (encoded when written). */
export function repositorySecretData(input: RepositoryInput): Record<string, string> {
  const { url } = input;
  if (url === '' || url.startsWith('-')) throw new InvalidRequestError(`"${url}" is not a repository URL`);
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(url)) {
    // The URL is shown in lists and in Application specs; a password in it would be too.
    throw new InvalidRequestError('put credentials in username and password, not in the URL');
  }
  if ((input.username === undefined) !== (input.password === undefined)) {
    throw new InvalidRequestError('username and password go together');
  }
  if (input.sshPrivateKey !== undefined && input.username !== undefined) {
    throw new InvalidRequestError('give either username/password or an SSH private key, not both');
  }
  const data: Record<string, string> = { url };
  if (input.name) data.name = input.name;
  if (input.username !== undefined) data.username = input.username;
  if (input.password !== undefined) data.password = input.password;
  if (input.sshPrivateKey !== undefined) data.sshPrivateKey = input.sshPrivateKey;
  if (input.insecure) data.insecure = 'true';
  if (input.sshKnownHosts !== undefined) data.sshKnownHosts = checkedKnownHosts(input.sshKnownHosts);
  if (input.sshAcceptNewHostKey) data.sshAcceptNewHostKey = 'true';
  return data;
}

const maxKnownHostsBytes = 64 * 1024;

/** known_hosts text as ssh reads it: `[markers] hosts keytype key [comment]` lines. */
function checkedKnownHosts(text: string): string {
  if (Buffer.byteLength(text) > maxKnownHostsBytes) {
    throw new InvalidRequestError(`sshKnownHosts: larger than ${maxKnownHostsBytes} bytes`);
  }
  const lines = text.split('\n').map((line) => line.trim());
  lines.forEach((line, index) => {
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    const keyAt = fields[0].startsWith('@') ? 2 : 1;
    if (fields.length < keyAt + 2 || !/^(ssh-|ecdsa-|sk-)/.test(fields[keyAt])) {
      throw new InvalidRequestError(
        `sshKnownHosts line ${index + 1}: not a known_hosts entry (host, key type, key), as ssh-keyscan prints them`,
      );
    }
  });
  if (!lines.some((line) => line !== '' && !line.startsWith('#'))) {
    throw new InvalidRequestError('sshKnownHosts: no host key in it');
  }
  return text;
}

export function repositoryView(secret: RepositorySecret): RepositoryView {
  const decode = (key: string) =>
    secret.data?.[key] ? Buffer.from(secret.data[key], 'base64').toString('utf8') : '';
  return {
    url: decode('url'),
    name: decode('name'),
    username: decode('username'),
    credentials: secret.data?.sshPrivateKey ? 'ssh-key' : secret.data?.password ? 'password' : 'none',
    insecure: decode('insecure') === 'true',
    secret: secret.metadata.name,
  };
}

export async function listRepositorySecrets(cp: ControlPlane): Promise<RepositorySecret[]> {
  const list = await cp.rest.request<{ items: RepositorySecret[] }>('GET', secretPath(cp.namespace), {
    query: { labelSelector: `${SECRET_TYPE_LABEL}=${REPOSITORY}` },
  });
  return list.items;
}

/** The registered repositories, sorted by URL. */
export async function listRepositories(cp: ControlPlane): Promise<RepositoryView[]> {
  return (await listRepositorySecrets(cp)).map(repositoryView).sort((a, b) => a.url.localeCompare(b.url));
}

/**
 * Registers the credentials of a repository URL. A URL registered under another name is refused;
 * one registered under this name is replaced only when `replace` is set.
 */
export async function addRepository(
  cp: ControlPlane,
  input: RepositoryInput,
  options: { replace: boolean },
): Promise<{ view: RepositoryView; created: boolean }> {
  const data = repositorySecretData(input);
  const secret = repositorySecretName(input.url, input.name);
  const taken = (await listRepositories(cp)).find(
    (view) => view.url === input.url && (view.secret !== secret || !options.replace),
  );
  if (taken) throw new RepositoryExistsError(taken, taken.secret === secret);
  const created = await upsertSecret(cp, secret, credentialsLabels(REPOSITORY), data, options.replace);
  const encoded = Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  );
  return { view: repositoryView({ metadata: { name: secret }, data: encoded }), created };
}

/** Removes every registration whose URL or name is `urlOrName`; returns what was removed. */
export async function removeRepository(cp: ControlPlane, urlOrName: string): Promise<RepositoryView[]> {
  const found = (await listRepositories(cp)).filter(
    (view) => view.url === urlOrName || (view.name !== '' && view.name === urlOrName),
  );
  if (found.length === 0) {
    throw new NotFoundError(`repository "${urlOrName}" not found in namespace ${cp.namespace}`);
  }
  await deleteRepositories(cp, found);
  return found;
}

/** Deletes the Secrets of these registrations (one already gone is fine). */
export async function deleteRepositories(cp: ControlPlane, views: readonly RepositoryView[]): Promise<void> {
  for (const view of views) await deleteSecret(cp, cp.namespace, view.secret);
}
