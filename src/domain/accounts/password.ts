// Local passwords: scrypt with a random salt, stored as `scrypt$N$r$p$salt$hash` (base64), and
// checked in constant time so neither the comparison nor an unknown user shows in the timing.
// A hash carries its own parameters, so raising the cost never invalidates a stored password:
// it is checked with the parameters it was made with and hashed again at the next login.
import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';

// OWASP's password storage guidance lists N=2^16, r=8, p=2 among its scrypt settings: 64 MiB
// and about the CPU time of its N=2^17, p=1 setting, with half the memory per login.
export const SCRYPT_PARAMETERS = { n: 1 << 16, r: 8, p: 2 } as const;
const { n: N, r: R, p: P } = SCRYPT_PARAMETERS;
const KEY_LENGTH = 32;
// Bounds on what a stored hash may ask for: a tampered Secret must not make login a memory bomb.
const MAX_N = 1 << 20;
const MAX_RP = 16;
const MAX_MEMORY = 256 * 1024 * 1024;

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

/** A new hash with today's parameters (others only to test how older hashes are treated). */
export async function hashPassword(
  password: string,
  parameters: { n: number; r: number; p: number } = SCRYPT_PARAMETERS,
): Promise<string> {
  const salt = randomBytes(16);
  const { n, r, p } = parameters;
  const hash = await scrypt(password, salt, n, r, p, KEY_LENGTH);
  return ['scrypt', n, r, p, salt.toString('base64'), hash.toString('base64')].join('$');
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
    128 * n * r <= MAX_MEMORY &&
    salt.length >= 8 &&
    hash.length >= 16 &&
    hash.length <= 64;
  return valid ? { n, r, p, salt, hash } : undefined;
}

// Compared against when there is no stored hash (unknown user), so that case costs the same.
const DUMMY = `scrypt$${N}$${R}$${P}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(KEY_LENGTH).toString('base64')}`;

export interface PasswordCheck {
  valid: boolean;
  /** The stored hash was made with other parameters than today's: hash the password again. */
  outdated: boolean;
}

/** Whether `password` matches `stored`; an absent or malformed hash costs the same and fails. */
export async function checkPassword(password: string, stored: string | undefined): Promise<PasswordCheck> {
  const parsed = (stored && parseHash(stored)) || undefined;
  const target = parsed ?? (parseHash(DUMMY) as ParsedHash);
  const key = await scrypt(password, target.salt, target.n, target.r, target.p, target.hash.length);
  const valid = timingSafeEqual(key, target.hash) && parsed !== undefined;
  const outdated =
    parsed !== undefined &&
    (parsed.n !== N || parsed.r !== R || parsed.p !== P || parsed.hash.length !== KEY_LENGTH);
  return { valid, outdated: valid && outdated };
}

/** True when `password` matches `stored`. */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  return (await checkPassword(password, stored)).valid;
}

/** A random password for the initial admin account: 24 characters of base64url (144 bits). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
