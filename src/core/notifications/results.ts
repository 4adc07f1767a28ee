// What `status.notifications` keeps: the last delivery of each trigger and destination (service
// and recipient), so a person reading the app sees, for every subscription, whether its latest
// notification went out, failed and why, and when; a busy trigger cannot push a quiet one's
// failure out of the list. Bounded, dropping the destinations not heard of for longest.
import type { NotificationResult } from '../model/application-status.ts';

/** At most this many destinations are kept per app. */
export const KEPT_DESTINATIONS = 20;

const destinationKey = (r: NotificationResult) => JSON.stringify([r.trigger, r.service, r.recipient ?? '']);

/** The list with `entry` in place of the previous result of its destination, oldest first. */
export function keepLastPerDestination(
  list: readonly NotificationResult[],
  entry: NotificationResult,
  max = KEPT_DESTINATIONS,
): NotificationResult[] {
  const key = destinationKey(entry);
  const others = list.filter((r) => destinationKey(r) !== key);
  // An older list may hold several results of one destination: only the newest stays.
  const seen = new Set<string>();
  const unique = others
    .reverse()
    .filter((r) => {
      const k = destinationKey(r);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .reverse();
  return [...unique, entry].slice(-max);
}
