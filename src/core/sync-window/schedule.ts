// One sync window's schedule: a five-field cron expression read in a time zone, and a duration.
// A window is open from each time the schedule fires until the duration has passed; fires that
// overlap make one longer opening. Pure: the clock is always an argument.
import { Cron } from 'croner';

/** A window whose schedule, duration or time zone cannot be read; names the field and the value. */
export class SyncWindowError extends Error {
  override name = 'SyncWindowError';
  readonly terminal = true;
}

export interface Schedule {
  /** The first time after `after` the schedule fires, or undefined if it never does again. */
  nextFire(after: Date): Date | undefined;
  durationMs: number;
}

/** Longest window: a week (a longer one is almost certainly a typo, and would slow the search). */
const MAX_DURATION_MS = 7 * 24 * 3_600_000;
/**
 * How far past `now` overlapping fires are followed to find where an opening ends; past it the
 * opening is reported as lasting "at least" that long (a minutely schedule never closes).
 */
const FOLLOW_MS = 24 * 3_600_000;
/** Steps of that search at most (each one call of the schedule, or two). */
const MAX_CHAINED_FIRES = 1_500;
/** Cron's resolution: a five-field schedule fires on whole minutes. */
const MINUTE_MS = 60_000;

/** '1h', '30m', '1h30m', '90s' → milliseconds; throws on anything else. */
export function parseWindowDuration(text: string): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!text || !match)
    throw new SyncWindowError(`duration ${JSON.stringify(text)}: write it like 1h, 30m or 1h30m`);
  const [, h = '0', m = '0', s = '0'] = match;
  const ms = (Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1000;
  if (ms <= 0) throw new SyncWindowError(`duration ${JSON.stringify(text)}: must be longer than zero`);
  if (ms > MAX_DURATION_MS) throw new SyncWindowError(`duration ${JSON.stringify(text)}: longer than a week`);
  return ms;
}

/** Whether the runtime knows the IANA time zone. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function compileSchedule(schedule: string, duration: string, timeZone = 'UTC'): Schedule {
  if (!isTimeZone(timeZone))
    throw new SyncWindowError(
      `timeZone ${JSON.stringify(timeZone)}: not a known time zone (e.g. Europe/Paris)`,
    );
  const durationMs = parseWindowDuration(duration);
  let cron: Cron;
  try {
    // No callback: the Cron object only computes times, it never starts a timer.
    cron = new Cron(schedule, { timezone: timeZone, mode: '5-part' });
  } catch (error) {
    throw new SyncWindowError(
      `schedule ${JSON.stringify(schedule)}: ${(error as Error).message} (five fields: minute hour day-of-month month day-of-week)`,
    );
  }
  return { durationMs, nextFire: (after) => cron.nextRun(after) ?? undefined };
}

/**
 * The opening the window is in at `now` ([start, end)), or undefined when it is closed. `atLeast`
 * says the fires overlap further than followed: the window stays open past `end`.
 */
export function openingAt(
  schedule: Schedule,
  now: Date,
): { start: Date; end: Date; atLeast?: true } | undefined {
  // The first fire after (now - duration): if it is not later than now, now is inside its opening.
  const first = schedule.nextFire(new Date(now.getTime() - schedule.durationMs));
  if (!first || first.getTime() > now.getTime()) return undefined;
  const horizon = now.getTime() + FOLLOW_MS;
  let last = first;
  let end = first.getTime() + schedule.durationMs;
  for (let i = 0; i < MAX_CHAINED_FIRES; i++) {
    const next = chainedFire(schedule, last, end);
    if (!next) return { start: first, end: new Date(end) };
    if (end > horizon) break;
    last = next;
    end = next.getTime() + schedule.durationMs;
  }
  return { start: first, end: new Date(end), atLeast: true };
}

/**
 * A fire after `last` and not after `end` (it extends the opening), the latest one cheaply found:
 * a fire in the opening's last minute first, so a dense schedule (every minute for an hour) moves
 * a whole duration per call instead of one fire per call (following 1 500 fires one by one took
 * seconds of CPU on every sync decision).
 */
function chainedFire(schedule: Schedule, last: Date, end: number): Date | undefined {
  const late = schedule.nextFire(new Date(end - MINUTE_MS));
  if (late && late.getTime() > last.getTime() && late.getTime() <= end) return late;
  const next = schedule.nextFire(last);
  return next && next.getTime() <= end ? next : undefined;
}

/** The next opening that starts after `now`. */
export function nextOpening(schedule: Schedule, now: Date): Date | undefined {
  return schedule.nextFire(now);
}
