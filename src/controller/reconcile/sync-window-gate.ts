// The sync windows of the app's project, asked just before a sync would start (never on a
// steady-state reconcile, so the project is read only when it matters). A blocked sync waits:
// a condition says which window and until when, and the app is looked at again when the window
// opens or after a short while (a person may remove the window meanwhile).
import type { AppProject } from '../../core/model/app-project.ts';
import type { ResolvedApplication } from '../../core/model/application.ts';
import { ApplicationConditionType } from '../../core/model/application-status.ts';
import type { Condition } from '../../core/model/common.ts';
import {
  blockedMessage,
  type SyncKind,
  syncAllowed,
  windowTargetOf,
} from '../../core/sync-window/windows.ts';

/** A blocked app is looked at again at least this often (a removed window lets it go on). */
const RECHECK_MS = 20_000;

export interface WindowGate {
  allowed: boolean;
  condition?: Condition;
  requeueAfterMs?: number;
}

export async function syncWindowGate(
  fetchProject: (name: string) => Promise<AppProject | undefined>,
  app: ResolvedApplication,
  kind: SyncKind,
  now = new Date(),
): Promise<WindowGate> {
  const project = await fetchProject(app.spec.project);
  const windows = project?.spec.syncWindows ?? [];
  if (windows.length === 0) return { allowed: true };
  const verdict = syncAllowed(windows, windowTargetOf(app), kind, now);
  if (verdict.allowed) return { allowed: true };
  const message = blockedMessage(kind, verdict, app.spec.project, 'waits');
  const untilOpen = verdict.opensAt ? Date.parse(verdict.opensAt) - now.getTime() : RECHECK_MS;
  return {
    allowed: false,
    condition: {
      type: ApplicationConditionType.SyncWindowClosed,
      message,
      lastTransitionTime: now.toISOString(),
    },
    requeueAfterMs: Math.max(1_000, Math.min(untilOpen, RECHECK_MS)),
  };
}
