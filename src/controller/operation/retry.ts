import type { RetryStrategy } from '../../core/model/application-status.ts';

/** '5s', '3m', '1h30m' → milliseconds. */
export function parseDuration(text: string | undefined, fallbackMs: number): number {
  if (!text) return fallbackMs;
  let total = 0;
  let matched = '';
  for (const part of text.matchAll(/(\d+)(ms|s|m|h)/g)) {
    const value = Number(part[1]);
    total +=
      part[2] === 'ms'
        ? value
        : part[2] === 's'
          ? value * 1000
          : part[2] === 'm'
            ? value * 60_000
            : value * 3_600_000;
    matched += part[0];
  }
  return matched === text ? total : fallbackMs;
}

/**
 * The wait before retry number `attempt` (1 for the first retry) of a failed sync, or undefined
 * when the strategy allows no more: duration × factor^(attempt-1), capped at maxDuration. A
 * negative limit retries without end (Argo CD's convention).
 */
export function retryDelayMs(strategy: RetryStrategy | undefined, attempt: number): number | undefined {
  if (!strategy) return undefined;
  const limit = strategy.limit ?? 5;
  if (limit >= 0 && attempt > limit) return undefined;
  const base = parseDuration(strategy.backoff?.duration, 5_000);
  const factor = strategy.backoff?.factor ?? 2;
  const max = parseDuration(strategy.backoff?.maxDuration, 180_000);
  return Math.min(base * factor ** (attempt - 1), max);
}
