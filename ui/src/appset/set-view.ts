// What the ApplicationSet page shows, computed (pure): each generator as one line, and the
// generated apps grouped by rollout step with their sync and health from the live app list. The
// server lists only the apps the user may see, so nothing here can show another project's apps.
import type { Application, ApplicationSet, ApplicationSetAppStatus } from '../api/types.ts';

/** `list (2 elements)`, `clusters (region In [eu])`, `git directories of URL`, `matrix: a × b`. */
export function generatorSummary(generator: Record<string, unknown>): string {
  const [kind, raw] = Object.entries(generator).find(([k]) => k !== 'selector') ?? ['unknown', {}];
  const g = (raw ?? {}) as Record<string, unknown>;
  if (kind === 'list') return `list (${(g.elements as unknown[] | undefined)?.length ?? 0} elements)`;
  if (kind === 'clusters') {
    const labels = (g.selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels;
    const text = labels
      ? Object.entries(labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')
      : 'all';
    return `clusters (${text})`;
  }
  if (kind === 'git') {
    const what = g.files ? 'files' : 'directories';
    return `git ${what} of ${String(g.repoURL ?? '')}${g.revision ? ` at ${String(g.revision)}` : ''}`;
  }
  if (kind === 'matrix' || kind === 'merge') {
    const children = ((g.generators as Record<string, unknown>[] | undefined) ?? []).map(generatorSummary);
    return `${kind}: ${children.join(kind === 'matrix' ? ' × ' : ' + ')}`;
  }
  return kind;
}

export interface SetApp {
  name: string;
  /** The rollout's word for it: Waiting, Progressing, Healthy, Degraded, Held, Refused. */
  rollout: string;
  message?: string;
  sync?: string;
  health?: string;
}

export interface StepGroup {
  /** 1-based; undefined for a set without a rollout. */
  step?: number;
  /** What selects the step's apps, e.g. `region In [eu]`; `other apps` for the implicit last step. */
  selects: string;
  maxUpdate?: number | string;
  apps: SetApp[];
}

export function stepGroups(set: ApplicationSet, apps: ReadonlyMap<string, Application>): StepGroup[] {
  const entries = set.status?.applicationStatus ?? [];
  const toApp = (e: ApplicationSetAppStatus): SetApp => {
    const live = apps.get(e.application);
    return {
      name: e.application,
      rollout: e.status,
      ...(e.message ? { message: e.message } : {}),
      ...(live?.status?.sync?.status ? { sync: live.status.sync.status } : {}),
      ...(live?.status?.health?.status ? { health: live.status.health.status } : {}),
    };
  };
  const steps = set.spec.strategy?.type === 'RollingSync' ? (set.spec.strategy.rollingSync?.steps ?? []) : [];
  if (steps.length === 0) return [{ selects: 'all apps', apps: entries.map(toApp) }];
  const groups: StepGroup[] = steps.map((s, i) => ({
    step: i + 1,
    selects:
      (s.matchExpressions ?? [])
        .map((m) => `${m.key} ${m.operator}${m.values ? ` [${m.values.join(', ')}]` : ''}`)
        .join(', ') || 'every app',
    ...(s.maxUpdate !== undefined ? { maxUpdate: s.maxUpdate } : {}),
    apps: [],
  }));
  const rest: StepGroup = { step: steps.length + 1, selects: 'apps no step selects', apps: [] };
  for (const e of entries) {
    const group = e.step !== undefined ? groups[e.step - 1] : undefined;
    (group ?? rest).apps.push(toApp(e));
  }
  return rest.apps.length > 0 ? [...groups, rest] : groups;
}
