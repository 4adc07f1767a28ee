// Colour class and icon of each health, sync and operation status: one table, used by badges in
// lists, the application header and the graph nodes alike.
import type { IconName } from './StatusIcon.tsx';

export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'muted';

export interface StatusLook {
  tone: Tone;
  icon: IconName;
}

const HEALTH: Record<string, StatusLook> = {
  Healthy: { tone: 'ok', icon: 'heart' },
  Progressing: { tone: 'info', icon: 'progress' },
  Degraded: { tone: 'bad', icon: 'broken' },
  Suspended: { tone: 'muted', icon: 'pause' },
  Missing: { tone: 'warn', icon: 'ghost' },
  Unknown: { tone: 'muted', icon: 'question' },
};

const SYNC: Record<string, StatusLook> = {
  Synced: { tone: 'ok', icon: 'check' },
  OutOfSync: { tone: 'warn', icon: 'arrow' },
  Unknown: { tone: 'muted', icon: 'question' },
};

const OPERATION: Record<string, StatusLook> = {
  Running: { tone: 'info', icon: 'progress' },
  Terminating: { tone: 'info', icon: 'progress' },
  Succeeded: { tone: 'ok', icon: 'check' },
  Failed: { tone: 'bad', icon: 'cross' },
  Error: { tone: 'bad', icon: 'cross' },
};

const UNKNOWN: StatusLook = { tone: 'muted', icon: 'question' };

export const healthLook = (status: string | undefined) => HEALTH[status ?? 'Unknown'] ?? UNKNOWN;
export const syncLook = (status: string | undefined) => SYNC[status ?? 'Unknown'] ?? UNKNOWN;
export const operationLook = (phase: string | undefined) => OPERATION[phase ?? ''] ?? UNKNOWN;

/** Connection states of clusters and repositories, as free text from the server. */
export function connectionLook(status: string | undefined): StatusLook {
  const s = (status ?? '').toLowerCase();
  if (['successful', 'connected', 'ok', 'healthy', 'reachable'].includes(s))
    return { tone: 'ok', icon: 'check' };
  if (['failed', 'error', 'unreachable', 'disconnected'].includes(s)) return { tone: 'bad', icon: 'cross' };
  return UNKNOWN;
}
