// Login attempts, counted per username and per client address BEFORE the password hash is
// checked: an attempt reserves its place first, so fifty parallel guesses cannot all slip past a
// counter that only learns of failures after each hash. A success gives its place back.
//
// Per username: `maxFailures` failures in `failureWindowMs` (in flight ones included) lock the
// name for a while that
// doubles with each lock in a row, up to `maxLockMs`; the lock always expires and the strikes are
// forgotten after a quiet `strikeMemoryMs`, so nobody can lock the admin out for good (API tokens
// and single sign-on never pass here at all). Per address: `maxPerAddress` failed or pending
// attempts in `addressWindowMs`, so one client cannot spread guesses over many names.
export interface LoginThrottleOptions {
  now: () => number;
  maxFailures?: number;
  failureWindowMs?: number;
  /** First lock of a name; each further lock in a row doubles it. */
  lockMs?: number;
  maxLockMs?: number;
  /** A name that has not failed for this long starts over with no strikes. */
  strikeMemoryMs?: number;
  maxPerAddress?: number;
  addressWindowMs?: number;
  /** Bound on tracked names and addresses, so a flood of made-up ones cannot exhaust memory. */
  maxKeys?: number;
}

export type Admission =
  | { admitted: true; ticket: LoginTicket }
  | { admitted: false; retryAfterMs: number; by: 'username' | 'address' };

/** One admitted attempt; report how it ended exactly once. */
export interface LoginTicket {
  readonly user: string;
  readonly address: string;
  readonly at: number;
}

interface UserRecord {
  /** Times of failures since the last lock (or success). */
  failures: number[];
  pending: number;
  lockedUntil: number;
  strikes: number;
  lastFailure: number;
}

interface AddressRecord {
  /** Times of failed attempts in the window. */
  failures: number[];
  pending: number;
}

export class LoginThrottle {
  private readonly users = new Map<string, UserRecord>();
  private readonly addresses = new Map<string, AddressRecord>();
  private readonly now: () => number;
  private readonly maxFailures: number;
  private readonly failureWindowMs: number;
  private readonly lockMs: number;
  private readonly maxLockMs: number;
  private readonly strikeMemoryMs: number;
  private readonly maxPerAddress: number;
  private readonly addressWindowMs: number;
  private readonly maxKeys: number;

  constructor(options: LoginThrottleOptions) {
    this.now = options.now;
    this.maxFailures = options.maxFailures ?? 5;
    this.failureWindowMs = options.failureWindowMs ?? 15 * 60_000;
    this.lockMs = options.lockMs ?? 60_000;
    this.maxLockMs = options.maxLockMs ?? 15 * 60_000;
    this.strikeMemoryMs = options.strikeMemoryMs ?? 60 * 60_000;
    this.maxPerAddress = options.maxPerAddress ?? 20;
    this.addressWindowMs = options.addressWindowMs ?? 60_000;
    this.maxKeys = options.maxKeys ?? 50_000;
  }

  /** Reserves an attempt for `username` from `address`, or says how long to wait. */
  admit(username: string, address: string): Admission {
    const now = this.now();
    const user = this.userRecord(nameKey(username), now);
    const client = this.addressRecord(address, now);
    if (user.lockedUntil > now)
      return { admitted: false, retryAfterMs: user.lockedUntil - now, by: 'username' };
    if (user.failures.length + user.pending >= this.maxFailures) {
      // Full of attempts still in flight: they decide whether a lock follows; wait a moment.
      return { admitted: false, retryAfterMs: 1_000, by: 'username' };
    }
    if (client.failures.length + client.pending >= this.maxPerAddress) {
      const oldest = client.failures[0] ?? now;
      return {
        admitted: false,
        retryAfterMs: Math.max(1_000, oldest + this.addressWindowMs - now),
        by: 'address',
      };
    }
    user.pending++;
    client.pending++;
    this.store(nameKey(username), user, address, client);
    return { admitted: true, ticket: { user: nameKey(username), address, at: now } };
  }

  failed(ticket: LoginTicket): void {
    const now = this.now();
    const user = this.userRecord(ticket.user, now);
    const client = this.addressRecord(ticket.address, now);
    user.pending = Math.max(0, user.pending - 1);
    client.pending = Math.max(0, client.pending - 1);
    client.failures.push(now);
    if (now - user.lastFailure > this.strikeMemoryMs) user.strikes = 0;
    user.lastFailure = now;
    user.failures.push(now);
    if (user.failures.length >= this.maxFailures && user.lockedUntil <= now) {
      user.lockedUntil = now + Math.min(this.maxLockMs, this.lockMs * 2 ** user.strikes);
      user.strikes++;
      user.failures = [];
    }
    this.store(ticket.user, user, ticket.address, client);
  }

  /** A success clears the name's failures and strikes and gives the address its place back. */
  succeeded(ticket: LoginTicket): void {
    const now = this.now();
    const client = this.addressRecord(ticket.address, now);
    client.pending = Math.max(0, client.pending - 1);
    const user = this.userRecord(ticket.user, now);
    user.pending = Math.max(0, user.pending - 1);
    this.users.delete(ticket.user);
    if (user.pending > 0) this.users.set(ticket.user, { ...emptyUser(), pending: user.pending });
    this.store(undefined, undefined, ticket.address, client);
  }

  /** The attempt was never judged (the control cluster did not answer): its place is given back. */
  abandoned(ticket: LoginTicket): void {
    const now = this.now();
    const user = this.userRecord(ticket.user, now);
    const client = this.addressRecord(ticket.address, now);
    user.pending = Math.max(0, user.pending - 1);
    client.pending = Math.max(0, client.pending - 1);
    this.store(ticket.user, user, ticket.address, client);
  }

  private userRecord(key: string, now: number): UserRecord {
    const record = this.users.get(key) ?? emptyUser();
    const since = now - this.failureWindowMs;
    record.failures = record.failures.filter((at) => at > since);
    return record;
  }

  private addressRecord(key: string, now: number): AddressRecord {
    const record = this.addresses.get(key) ?? { failures: [], pending: 0 };
    const since = now - this.addressWindowMs;
    record.failures = record.failures.filter((at) => at > since);
    return record;
  }

  // Re-inserted so the Maps keep the most recently used last; the oldest are dropped first.
  private store(user?: string, userRecord?: UserRecord, address?: string, addressRecord?: AddressRecord) {
    if (user !== undefined && userRecord) {
      this.users.delete(user);
      this.users.set(user, userRecord);
    }
    if (address !== undefined && addressRecord) {
      this.addresses.delete(address);
      this.addresses.set(address, addressRecord);
    }
    const now = this.now();
    // Locked names go last, so a flood of made-up names cannot wash a lock away.
    const evictable = [
      (record: UserRecord | AddressRecord) => record.pending === 0 && !isLocked(record, now),
      (record: UserRecord | AddressRecord) => record.pending === 0,
    ];
    for (const map of [this.users, this.addresses] as Map<string, UserRecord | AddressRecord>[]) {
      for (const pass of evictable) {
        for (const [key, record] of map) {
          if (map.size <= this.maxKeys) break;
          if (pass(record)) map.delete(key);
        }
      }
    }
  }
}

function isLocked(record: UserRecord | AddressRecord, now: number): boolean {
  return 'lockedUntil' in record && record.lockedUntil > now;
}

function emptyUser(): UserRecord {
  return { failures: [], pending: 0, lockedUntil: 0, strikes: 0, lastFailure: Number.NEGATIVE_INFINITY };
}

function nameKey(username: string): string {
  return username.trim().toLowerCase().slice(0, 256);
}
