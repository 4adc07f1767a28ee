// Local passwords: scrypt with a random salt, stored as `scrypt$N$r$p$salt$hash` (base64), and
// checked in constant time so neither the comparison nor an unknown user shows in the timing.
import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';

const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
// Bounds on what a stored hash may ask for: a tampered Secret must not make login a memory bomb.
const MAX_N = 1 << 20;
const MAX_RP = 16;

function scrypt(password: string, salt: Buffer, n: number, r: number, p: number, length: number) {
  return new Promise<Buffer>((resolve, reject) => {
    scryptCallback(
      password.normalize('NFC'),
      salt,
      length,
      { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, N, R, P, KEY_LENGTH);
  return ['scrypt', N, R, P, salt.toString('base64'), hash.toString('base64')].join('$');
}

interface ParsedHash {
  n: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function parseHash(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [n, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4], 'base64');
  const hash = Buffer.from(parts[5], 'base64');
  const valid =
    Number.isInteger(n) &&
    n > 1 &&
    n <= MAX_N &&
    (n & (n - 1)) === 0 &&
    [r, p].every((v) => Number.isInteger(v) && v >= 1 && v <= MAX_RP) &&
    salt.length >= 8 &&
    hash.length >= 16 &&
    hash.length <= 64;
  return valid ? { n, r, p, salt, hash } : undefined;
}

// Compared against when there is no stored hash (unknown user), so that case costs the same.
const DUMMY = `scrypt$${N}$${R}$${P}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(KEY_LENGTH).toString('base64')}`;

/** True when `password` matches `stored`; an absent or malformed hash costs the same and fails. */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const parsed = (stored && parseHash(stored)) || undefined;
  const target = parsed ?? (parseHash(DUMMY) as ParsedHash);
  const key = await scrypt(password, target.salt, target.n, target.r, target.p, target.hash.length);
  return timingSafeEqual(key, target.hash) && parsed !== undefined;
}

/** A random password for the initial admin account: 24 characters of base64url (144 bits). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
