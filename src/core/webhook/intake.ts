// What a webhook must get past before it may refresh anything, the same for the API server's and
// the controller's endpoints: a per-address rate limit (every request counts, refused ones too,
// so neither guessing nor a flood of refreshes gets far); once any shared secret is configured,
// a sender whose provider has none is refused (an unsigned GitLab push must not pass because
// only GitHub's secret was set); the signature (push-event.ts); and a signed push already
// received is refused as a replay: the signature covers the body, not when it was sent.
// Pure: the clock is injected and the state is a few bounded maps.
import { createHash } from 'node:crypto';
import { type GitProvider, type PushEvent, parsePushEvent, providerOf, WebhookError } from './push-event.ts';

export class WebhookRateLimitedError extends WebhookError {
  override name = 'WebhookRateLimitedError';
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(message, 429);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export interface WebhookIntakeOptions {
  secrets: Partial<Record<GitProvider, string>>;
  now: () => number;
  /** Requests one client address may make in `windowMs`. */
  maxPerAddress?: number;
  windowMs?: number;
  /** How long a signed push is remembered to refuse its replay. */
  replayMemoryMs?: number;
  /** Bound on remembered addresses and deliveries. */
  maxKeys?: number;
}

type Headers = Record<string, string | string[] | undefined>;

export class WebhookIntake {
  private readonly secrets: Partial<Record<GitProvider, string>>;
  private readonly anySecret: boolean;
  private readonly guard: WebhookGuard;

  constructor(options: WebhookIntakeOptions) {
    this.secrets = options.secrets;
    this.anySecret = Object.values(options.secrets).some((secret) => Boolean(secret));
    this.guard = new WebhookGuard(options);
  }

  /**
   * The push event of a request that passed every check, undefined for an accepted event that is
   * not a push (a ping); throws a WebhookError with the status to answer otherwise.
   */
  receive(headers: Headers, body: Buffer, address: string): PushEvent | undefined {
    this.guard.countRequest(address);
    const provider = providerOf(headers);
    if (provider && this.anySecret && !this.secrets[provider]) {
      throw new WebhookError(
        `${provider} webhook refused: no shared secret is configured for ${provider}, and unsigned webhooks are refused once any secret is`,
        401,
      );
    }
    const event = parsePushEvent(headers, body, this.secrets);
    if (event && provider && this.secrets[provider]) this.guard.refuseReplay(provider, body);
    return event;
  }
}

/**
 * The rules every webhook endpoint shares (Git pushes, registry notifications): a per-address
 * rate limit, and a signed delivery already received refused as a replay.
 */
export class WebhookGuard {
  private readonly now: () => number;
  private readonly maxPerAddress: number;
  private readonly windowMs: number;
  private readonly replayMemoryMs: number;
  private readonly maxKeys: number;
  /** Address → times of its requests in the window. */
  private readonly requests = new Map<string, number[]>();
  /** Digest of a signed delivery → when it was received. */
  private readonly deliveries = new Map<string, number>();

  constructor(options: Omit<WebhookIntakeOptions, 'secrets'>) {
    this.now = options.now;
    this.maxPerAddress = options.maxPerAddress ?? 60;
    this.windowMs = options.windowMs ?? 60_000;
    this.replayMemoryMs = options.replayMemoryMs ?? 60 * 60_000;
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  countRequest(address: string): void {
    const now = this.now();
    const recent = (this.requests.get(address) ?? []).filter((at) => at > now - this.windowMs);
    if (recent.length >= this.maxPerAddress) {
      const seconds = Math.max(1, Math.ceil((recent[0] + this.windowMs - now) / 1000));
      throw new WebhookRateLimitedError(
        `too many webhook requests from this address (at most ${this.maxPerAddress} a minute); try again in ${seconds} s`,
        seconds,
      );
    }
    recent.push(now);
    this.requests.delete(address);
    this.requests.set(address, recent);
    dropOldest(this.requests, this.maxKeys);
  }

  refuseReplay(sender: string, body: Buffer): void {
    const now = this.now();
    const digest = `${sender}:${createHash('sha256').update(body).digest('hex')}`;
    const seen = this.deliveries.get(digest);
    if (seen !== undefined && now - seen < this.replayMemoryMs) {
      throw new WebhookError(
        `${sender} webhook: this delivery was already received; a replay is refused`,
        409,
      );
    }
    this.deliveries.delete(digest);
    this.deliveries.set(digest, now);
    for (const [key, at] of this.deliveries) {
      if (now - at < this.replayMemoryMs) break;
      this.deliveries.delete(key);
    }
    dropOldest(this.deliveries, this.maxKeys);
  }
}

/** Maps keep insertion order and entries are re-inserted when used: the first are the oldest. */
function dropOldest(map: Map<string, unknown>, max: number): void {
  for (const key of map.keys()) {
    if (map.size <= max) return;
    map.delete(key);
  }
}
