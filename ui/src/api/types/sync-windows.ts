// A project's sync windows and what they allow now (docs/sync-windows.md).

export interface SyncWindow {
  kind: 'allow' | 'deny';
  schedule: string;
  duration: string;
  timeZone?: string;
  applications?: string[];
  namespaces?: string[];
  clusters?: string[];
  manualSync?: boolean;
  description?: string;
}

/** A window at an instant: open (until when) or when it next opens (docs/sync-windows.md). */
export interface WindowState {
  index: number;
  window: SyncWindow;
  open?: { start: string; end: string; atLeast?: boolean };
  nextOpen?: string;
  error?: string;
}

export interface SyncVerdict {
  allowed: boolean;
  reason?: string;
  opensAt?: string;
}

export interface ProjectWindows {
  project: string;
  now: string;
  windows: WindowState[];
}

export interface AppWindows extends ProjectWindows {
  manual: SyncVerdict;
  automated: SyncVerdict;
}
