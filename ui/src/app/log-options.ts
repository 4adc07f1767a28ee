// What the Logs tab lets a person choose, as Argo CD's logs viewer does: one container (init
// containers too), the previous run, how many lines, and from how long ago. Pure, unit-tested.
import type { LogOptions, PodContainers } from '../api/types.ts';

export interface ContainerChoice {
  name: string;
  init: boolean;
}

/**
 * The containers to choose from across the Pods (a workload's Pods share names): each name once,
 * init containers first as they run first, then in the order the Pods list them.
 */
export function containerChoices(pods: readonly PodContainers[]): ContainerChoice[] {
  const seen = new Map<string, ContainerChoice>();
  for (const pod of pods) for (const c of pod.containers) if (!seen.has(c.name)) seen.set(c.name, c);
  const all = [...seen.values()];
  return [...all.filter((c) => c.init), ...all.filter((c) => !c.init)];
}

/** Lines shown at most per container. */
export const TAIL_CHOICES = [100, 500, 1000, 5000, 10_000] as const;
export const DEFAULT_TAIL = 500;

/** How far back the log starts; 0 is "any time" (only the tail limits it). */
export const SINCE_CHOICES: readonly { label: string; seconds: number }[] = [
  { label: 'any time', seconds: 0 },
  { label: '1 minute', seconds: 60 },
  { label: '5 minutes', seconds: 300 },
  { label: '15 minutes', seconds: 900 },
  { label: '1 hour', seconds: 3600 },
  { label: '6 hours', seconds: 21_600 },
  { label: '24 hours', seconds: 86_400 },
  { label: '7 days', seconds: 604_800 },
];

export const DEFAULT_LOG_OPTIONS: LogOptions = { follow: true, tailLines: DEFAULT_TAIL };

/**
 * The options after a change, kept coherent: a previous run has ended, so following it means
 * nothing (and the API would end the stream at once): choosing previous stops following, and
 * following again leaves the previous run.
 */
export function changeOptions(current: LogOptions, change: Partial<LogOptions>): LogOptions {
  const next = { ...current, ...change };
  if (change.previous) next.follow = false;
  if (change.follow) next.previous = false;
  if (!next.sinceSeconds) delete next.sinceSeconds;
  if (!next.container) delete next.container;
  return next;
}
