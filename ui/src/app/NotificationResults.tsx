// The last notification delivery of each trigger and destination, as the controller recorded it
// in `status.notifications` (secrets are masked before they are written, never here).
import type { NotificationResult } from '../api/types.ts';
import { formatTime, timeAgo } from '../lib/format.ts';

/** The newest result per trigger, service and recipient, newest first. */
export function lastPerDestination(results: NotificationResult[]): NotificationResult[] {
  const last = new Map<string, NotificationResult>();
  for (const r of results) {
    const key = `${r.trigger}\u0000${r.service}\u0000${r.recipient ?? ''}`;
    const seen = last.get(key);
    if (!seen || seen.at <= r.at) last.set(key, r);
  }
  return [...last.values()].sort((a, b) => b.at.localeCompare(a.at));
}

export function NotificationResults({ results }: { results: NotificationResult[] | undefined }) {
  if (!results || results.length === 0) return null;
  return (
    <section className="notifications" aria-label="Notifications">
      <h2>Notifications</h2>
      <table className="table events">
        <thead>
          <tr>
            <th>Trigger</th>
            <th>Destination</th>
            <th>Result</th>
            <th>When</th>
          </tr>
        </thead>
        <tbody>
          {lastPerDestination(results).map((r) => (
            <tr
              key={`${r.trigger}/${r.service}/${r.recipient ?? ''}`}
              data-notification={`${r.trigger}/${r.service}`}
              data-outcome={r.outcome}
              className={r.outcome === 'Delivered' ? undefined : 'warning'}
            >
              <td>{r.trigger}</td>
              <td>
                {r.service}
                {r.recipient ? ` → ${r.recipient}` : ''}
              </td>
              <td>
                {r.outcome}
                {r.attempts && r.attempts > 1 ? ` after ${r.attempts} attempts` : ''}
                {r.message && <div className="muted">{r.message}</div>}
              </td>
              <td title={formatTime(r.at)}>{timeAgo(r.at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
