// API tokens for CI: signed tokens whose record (owner, subject, groups or project role, expiry,
// SHA-256 of the token) lives in Secret `tiphys-api-tokens` under the token id. The token itself
// is never stored: a token is valid only while its record exists, matches and has not expired.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { KubeRest } from '../../adapters/kube/rest.ts';
import { CachedDocument } from './cached-document.ts';
import { signToken } from './signed-token.ts';

export const API_TOKENS_SECRET = 'tiphys-api-tokens';
// How old a cached copy may be when a token is not found in it; bounds re-reads a revoked token
// could otherwise force on every request.
const FRESH_MS = 1_000;

export interface ApiTokenRecord {
  id: string;
  /** Subject of whoever created it: they (or an admin) may list and revoke it. */
  owner: string;
  subject: string;
  groups: string[];
  project?: string;
  role?: string;
  description?: string;
  /** Seconds since the epoch. */
  createdAt: number;
  expiresAt?: number;
}

interface StoredRecord extends ApiTokenRecord {
  sha256: string;
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function parse(value: string | undefined): StoredRecord | undefined {
  if (value === undefined) return undefined;
  try {
    const record = JSON.parse(value) as StoredRecord;
    return typeof record.sha256 === 'string' && typeof record.subject === 'string' ? record : undefined;
  } catch {
    return undefined;
  }
}

function publicRecord({ sha256: _, ...record }: StoredRecord): ApiTokenRecord {
  return record;
}

export class ApiTokenStore {
  private readonly document: CachedDocument;
  private readonly now: () => number;

  constructor(rest: KubeRest, namespace: string, now: () => number) {
    this.now = now;
    this.document = new CachedDocument({ rest, namespace, kind: 'secrets', name: API_TOKENS_SECRET, now });
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Stores a new record and returns it with the token, which exists nowhere else. */
  async create(
    key: Buffer,
    fields: Omit<ApiTokenRecord, 'id' | 'createdAt' | 'expiresAt'>,
    expiresInSeconds?: number,
  ): Promise<{ record: ApiTokenRecord; token: string }> {
    const iat = this.seconds();
    const record: ApiTokenRecord = {
      ...fields,
      id: randomUUID(),
      createdAt: iat,
      ...(expiresInSeconds === undefined ? {} : { expiresAt: iat + expiresInSeconds }),
    };
    const token = signToken(key, {
      typ: 'api',
      jti: record.id,
      iat,
      exp: record.expiresAt,
      sub: record.subject,
    });
    const stored: StoredRecord = { ...record, sha256: digest(token) };
    await this.document.update((data) => ({ ...this.unexpired(data), [record.id]: JSON.stringify(stored) }));
    return { record, token };
  }

  /** The record of a presented token, if the token is the one stored, and it has not expired. */
  async lookup(id: string, token: string): Promise<ApiTokenRecord | undefined> {
    let value = (await this.document.read())[id];
    // A correctly signed token unknown here may have been made by another replica moments ago.
    if (value === undefined) value = (await this.document.read(FRESH_MS))[id];
    const record = parse(value);
    if (!record || this.expired(record)) return undefined;
    const given = Buffer.from(digest(token), 'hex');
    const stored = Buffer.from(record.sha256, 'hex');
    if (given.length !== stored.length || !timingSafeEqual(given, stored)) return undefined;
    return publicRecord(record);
  }

  async list(): Promise<ApiTokenRecord[]> {
    const data = await this.document.read();
    return Object.values(data)
      .map(parse)
      .filter((r): r is StoredRecord => r !== undefined && !this.expired(r))
      .map(publicRecord)
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  async get(id: string): Promise<ApiTokenRecord | undefined> {
    const record = parse((await this.document.read())[id]);
    return record && !this.expired(record) ? publicRecord(record) : undefined;
  }

  async remove(id: string): Promise<void> {
    await this.document.update((data) => {
      const { [id]: _, ...rest } = this.unexpired(data);
      return rest;
    });
  }

  private expired(record: ApiTokenRecord): boolean {
    return record.expiresAt !== undefined && record.expiresAt <= this.seconds();
  }

  /** Expired records are dropped on every write, which keeps the Secret bounded. */
  private unexpired(data: Record<string, string>): Record<string, string> {
    return Object.fromEntries(
      Object.entries(data).filter(([, value]) => {
        const record = parse(value);
        return record !== undefined && !this.expired(record);
      }),
    );
  }
}
