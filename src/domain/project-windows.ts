// The sync windows of a project as they stand at an instant: which are open and until when,
// and when each closed one next opens. The same answer for `tiphys proj windows` with a
// kubeconfig and for the API server.
import type { AppProject } from '../core/model/app-project.ts';
import { type WindowState, windowStates } from '../core/sync-window/windows.ts';
import type { ControlPlane } from './control-plane.ts';
import { getProject } from './projects.ts';

export interface ProjectWindows {
  project: string;
  /** The instant the states are for. */
  now: string;
  windows: WindowState[];
}

export function windowsOf(project: AppProject, now: Date): ProjectWindows {
  return {
    project: project.metadata.name,
    now: now.toISOString(),
    windows: windowStates(project.spec.syncWindows ?? [], now),
  };
}

export async function getProjectWindows(
  cp: ControlPlane,
  name: string,
  now = new Date(),
): Promise<ProjectWindows> {
  return windowsOf(await getProject(cp, name), now);
}
