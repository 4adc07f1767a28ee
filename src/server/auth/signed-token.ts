// Compact JWT-style tokens (header.payload.signature, HS256) made with node:crypto only. The
// `typ` claim separates sessions, API tokens and the OIDC login state so one can never be
// replayed as another.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type TokenType = 'session' | 'api' | 'oidc';

export interface TokenClaims {
  typ: TokenType;
  /** Unique id: the session id for revocation, the API token id, a random id for OIDC state. */
  jti: string;
  iat: number;
  /** Seconds since the epoch; absent only for API tokens made without an expiry. */
  exp?: number;
  sub?: string;
  groups?: string[];
  kind?: 'local' | 'sso';
  state?: string;
  verifier?: string;
  nonce?: string;
  /** OIDC state of a CLI login: the loopback URL the session goes to, and the CLI's own nonce. */
  returnTo?: string;
  cliState?: string;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
const MAX_TOKEN_LENGTH = 8192;

function signature(key: Buffer, input: string): Buffer {
  return createHmac('sha256', key).update(input).digest();
}

export function signToken(key: Buffer, claims: TokenClaims): string {
  const input = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${signature(key, input).toString('base64url')}`;
}

/**
 * The claims of a token signed with `key`, of the expected type and not expired at `nowSeconds`;
 * undefined for anything else. Never throws: every malformed input is simply not a token.
 */
export function verifyToken(
  key: Buffer,
  token: string,
  expected: TokenType,
  nowSeconds: number,
): TokenClaims | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== HEADER) return undefined;
  const given = Buffer.from(parts[2], 'base64url');
  const wanted = signature(key, `${parts[0]}.${parts[1]}`);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return undefined;
  let claims: TokenClaims;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as TokenClaims;
  } catch {
    return undefined;
  }
  if (typeof claims !== 'object' || claims === null || claims.typ !== expected) return undefined;
  if (typeof claims.jti !== 'string' || typeof claims.iat !== 'number') return undefined;
  if (claims.exp !== undefined && (typeof claims.exp !== 'number' || claims.exp <= nowSeconds))
    return undefined;
  if (claims.exp === undefined && expected !== 'api') return undefined;
  return claims;
}

/** Masks anything shaped like one of these tokens, for text that ends up in logs. */
export function maskTokens(text: string): string {
  return text.replace(/[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g, '[redacted]');
}
