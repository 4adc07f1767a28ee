// Sync windows of an AppProject (pure): which windows concern an Application, which are open at a
// given instant, whether a sync of a kind (automated or manual) may start, and when it next may.
// The rules, as Argo CD users know them: an open deny window blocks; if allow windows concern the
// app, one of them must be open; deny wins over allow. `manualSync: true` on the windows that
// block lets manual syncs through. No window concerning the app: syncs are always allowed.
import { wildcardMatch } from '../glob/glob.ts';
import type { SyncWindow } from '../model/app-project.ts';
import { IN_CLUSTER } from '../model/common.ts';
import { compileSchedule, openingAt, type Schedule, SyncWindowError } from './schedule.ts';

export interface WindowTarget {
  application: string;
  namespace: string;
  cluster: string;
}

export type SyncKind = 'automated' | 'manual';

/** What the windows match of an Application: its name, destination namespace and cluster. */
export function windowTargetOf(app: {
  metadata: { name: string };
  spec: { destination: { namespace?: string; cluster?: string } };
}): WindowTarget {
  return {
    application: app.metadata.name,
    namespace: app.spec.destination.namespace ?? '',
    cluster: app.spec.destination.cluster || IN_CLUSTER,
  };
}

/** The sentence a blocked sync is reported with (the app's condition, a refused request). */
export function blockedMessage(kind: SyncKind, verdict: SyncVerdict, project: string, what: string): string {
  const next = verdict.opensAt ? `; it may start at ${verdict.opensAt}` : '; no opening found ahead';
  return `${kind} sync ${what}: ${verdict.reason} (project ${project})${next}`;
}

/** One window as seen at an instant. */
export interface WindowState {
  /** Position in `spec.syncWindows` (0-based). */
  index: number;
  window: SyncWindow;
  /** Open now: since when, until when (overlapping fires chained; `atLeast`: maybe longer). */
  open?: { start: string; end: string; atLeast?: boolean };
  /** The next time it opens, if closed now. */
  nextOpen?: string;
  /** The window cannot be read (set only through kubectl: the API refuses it). */
  error?: string;
}

export interface SyncVerdict {
  allowed: boolean;
  /** Why not, naming the windows, in words a person can act on. */
  reason?: string;
  /** When a sync of this kind may next start, when known. */
  opensAt?: string;
}

/** Problems of a project's windows as written, one message each (for validateAppProject). */
export function syncWindowErrors(windows: readonly SyncWindow[]): string[] {
  const errors: string[] = [];
  windows.forEach((window, index) => {
    try {
      compileSchedule(window.schedule, window.duration, window.timeZone);
    } catch (error) {
      errors.push(`spec.syncWindows[${index}]: ${(error as Error).message}`);
    }
  });
  return errors;
}

/** Whether the window concerns the app: any of its lists matches (an empty window matches none). */
export function windowMatches(window: SyncWindow, target: WindowTarget): boolean {
  const any = (globs: string[] | undefined, value: string) =>
    (globs ?? []).some((g) => wildcardMatch(g, value));
  return (
    any(window.applications, target.application) ||
    any(window.namespaces, target.namespace) ||
    any(window.clusters, target.cluster)
  );
}

/** Every window of the project at `now`, matching or not (for `tiphys proj windows`). */
export function windowStates(windows: readonly SyncWindow[], now: Date): WindowState[] {
  return windows.map((window, index) => stateOf(window, index, now));
}

/** The windows that concern the target at `now` (the others' schedules are never computed). */
function matchingStates(windows: readonly SyncWindow[], target: WindowTarget, now: Date): WindowState[] {
  return windows.flatMap((window, index) =>
    windowMatches(window, target) ? [stateOf(window, index, now)] : [],
  );
}

function stateOf(window: SyncWindow, index: number, now: Date): WindowState {
  let schedule: Schedule;
  try {
    schedule = compileSchedule(window.schedule, window.duration, window.timeZone);
  } catch (error) {
    return { index, window, error: (error as Error).message };
  }
  const open = openingAt(schedule, now);
  if (open) {
    const { start, end, atLeast } = open;
    return {
      index,
      window,
      open: { start: start.toISOString(), end: end.toISOString(), ...(atLeast ? { atLeast } : {}) },
    };
  }
  const next = schedule.nextFire(now);
  return { index, window, ...(next ? { nextOpen: next.toISOString() } : {}) };
}

/** Whether a sync of `kind` may start at `now` for the target, and if not why and until when. */
export function syncAllowed(
  windows: readonly SyncWindow[],
  target: WindowTarget,
  kind: SyncKind,
  now: Date,
): SyncVerdict {
  const states = matchingStates(windows, target, now);
  const verdict = judge(states, kind);
  if (verdict.allowed) return verdict;
  const opensAt = opensAtOf(windows, target, kind, now);
  return { ...verdict, ...(opensAt ? { opensAt } : {}) };
}

/** A window that lets this kind of sync through even while it blocks others. */
const passes = (s: WindowState, kind: SyncKind) => kind === 'manual' && s.window.manualSync === true;

function judge(states: WindowState[], kind: SyncKind): SyncVerdict {
  const broken = states.find((s) => s.error);
  // A window that cannot be read blocks (fail closed): it may have been meant as a deny.
  if (broken)
    return { allowed: false, reason: `sync window ${describe(broken)} cannot be read: ${broken.error}` };
  const denying = states.filter((s) => s.window.kind === 'deny' && s.open && !passes(s, kind));
  if (denying.length > 0) {
    const last = denying.map((s) => s.open).sort((a, b) => (a?.end ?? '').localeCompare(b?.end ?? ''))[
      denying.length - 1
    ];
    const until = `until ${last?.atLeast ? 'at least ' : ''}${last?.end}`;
    return {
      allowed: false,
      reason: `a deny sync window is open: ${denying.map(describe).join(', ')} (${until})`,
    };
  }
  const allows = states.filter((s) => s.window.kind === 'allow');
  if (allows.length === 0 || allows.some((s) => s.open || passes(s, kind))) return { allowed: true };
  return { allowed: false, reason: `no allow sync window is open: ${allows.map(describe).join(', ')}` };
}

/** Steps through the instants the verdict may change (a deny closing, an allow opening). */
function opensAtOf(
  windows: readonly SyncWindow[],
  target: WindowTarget,
  kind: SyncKind,
  now: Date,
): string | undefined {
  let at = now;
  for (let step = 0; step < 50; step++) {
    const states = matchingStates(windows, target, at);
    if (states.some((s) => s.error)) return undefined;
    if (judge(states, kind).allowed) return at.toISOString();
    // A blocking deny window open past what is followed: no opening within sight (stepping on
    // would follow the same endless chain again, a day per step).
    if (states.some((s) => s.open?.atLeast && s.window.kind === 'deny' && !passes(s, kind))) return undefined;
    const changes = states.flatMap((s) =>
      s.window.kind === 'deny' ? (s.open ? [s.open.end] : []) : s.nextOpen ? [s.nextOpen] : [],
    );
    const next = changes.map((t) => Date.parse(t)).filter((t) => t > at.getTime());
    if (next.length === 0) return undefined;
    at = new Date(Math.min(...next));
  }
  return undefined;
}

function describe(state: WindowState): string {
  const w = state.window;
  const zone = w.timeZone ? ` ${w.timeZone}` : '';
  return `#${state.index} ${w.kind} "${w.schedule}"${zone} for ${w.duration}${w.description ? ` (${w.description})` : ''}`;
}

export { SyncWindowError };
