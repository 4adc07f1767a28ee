// The sync windows as they concern one Application: the windows of its project that match it,
// which are open, and whether a manual or an automated sync may start now. The app views (API,
// UI, `tiphys app get`) show it; a person's sync or rollback request (the API, the CLI with a
// kubeconfig) is refused while the windows block it, with the reason, rather than left waiting
// unseen. The controller still holds anything that reaches it (an operation written by kubectl).
import type { SyncWindow } from '../core/model/app-project.ts';
import type { Application } from '../core/model/application.ts';
import { DEFAULT_PROJECT } from '../core/model/common.ts';
import {
  blockedMessage,
  type SyncVerdict,
  syncAllowed,
  type WindowState,
  windowMatches,
  windowStates,
  windowTargetOf,
} from '../core/sync-window/windows.ts';
import type { ControlPlane } from './control-plane.ts';
import { ConflictError, NotFoundError } from './errors.ts';
import { getProject } from './projects.ts';

const projectOf = (app: Application) => app.spec.project || DEFAULT_PROJECT;

export interface AppWindows {
  project: string;
  /** The instant the states are for. */
  now: string;
  /** The project's windows that concern the app (index: position in the project's list). */
  windows: WindowState[];
  manual: SyncVerdict;
  automated: SyncVerdict;
}

/** A manual sync the project's sync windows do not let start now. */
export class SyncWindowClosedError extends ConflictError {
  override name = 'SyncWindowClosedError';
}

export function appWindowsOf(app: Application, windows: readonly SyncWindow[], now: Date): AppWindows {
  const target = windowTargetOf(app);
  return {
    project: projectOf(app),
    now: now.toISOString(),
    windows: windowStates(windows, now).filter((s) => windowMatches(s.window, target)),
    manual: syncAllowed(windows, target, 'manual', now),
    automated: syncAllowed(windows, target, 'automated', now),
  };
}

/** The windows of the app's project; a missing project has none (the controller reports it). */
export async function getAppWindows(
  cp: ControlPlane,
  app: Application,
  now = new Date(),
): Promise<AppWindows> {
  const project = await getProject(cp, projectOf(app)).catch((error: unknown) => {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  });
  return appWindowsOf(app, project?.spec.syncWindows ?? [], now);
}

/** Throws SyncWindowClosedError, naming the windows and when a sync may start, if one may not now. */
export async function refuseManualSyncOutsideWindows(
  cp: ControlPlane,
  app: Application,
  now = new Date(),
): Promise<void> {
  const { manual } = await getAppWindows(cp, app, now);
  if (!manual.allowed)
    throw new SyncWindowClosedError(blockedMessage('manual', manual, projectOf(app), 'refused'));
}
