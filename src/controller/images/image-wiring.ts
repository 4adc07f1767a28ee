// Image automation as the controller runs it (docs/images.md): scans, tag choices and
// write-back commits, after which the apps of the branch written to look at Git at once.
import { join } from 'node:path';
import { ImageObjects } from '../../adapters/control-plane/image-objects.ts';
import type { KindPresence } from '../../adapters/control-plane/kind-watch.ts';
import { GitWriter } from '../../adapters/git/commit-edit.ts';
import type { GitCredentials } from '../../adapters/git/index.ts';
import type { KubeRest } from '../../adapters/kube/rest.ts';
import type { Application } from '../../core/model/application.ts';
import { pushMatches } from '../../core/webhook/push-event.ts';
import type { ControllerOptions } from '../controller-options.ts';
import { errorMessage, type Logger } from '../log.ts';
import { ImageAutomation } from './image-automation.ts';

export function wireImageAutomation(
  options: ControllerOptions,
  deps: {
    presence: readonly KindPresence[];
    rest: KubeRest;
    cacheDir: string;
    credentialsFor: (url: string) => Promise<GitCredentials | undefined>;
    apps: () => readonly Application[];
    refresh: (name: string) => void;
    log: Logger;
  },
): ImageAutomation {
  return new ImageAutomation({
    presence: deps.presence,
    objects: new ImageObjects(deps.rest, options.namespace),
    writeBack: {
      writer: new GitWriter({
        workDir: join(deps.cacheDir, 'write-back'),
        allowLocalRepos: options.allowLocalRepos,
      }),
      credentialsFor: deps.credentialsFor,
    },
    insecureRegistries: options.insecureRegistries,
    tickMs: options.imageTickMs,
    // Our own push: the apps of that branch look at Git now, as a push webhook would make them.
    onCommitted: (repoURL, branch) => {
      const push = { provider: 'github' as const, ref: `refs/heads/${branch}`, repoURLs: [repoURL] };
      for (const app of deps.apps()) {
        const sources = app.spec.sources ?? (app.spec.source ? [app.spec.source] : []);
        if (sources.some((source) => pushMatches(push, source.repoURL, source.targetRevision ?? 'HEAD')))
          deps.refresh(app.metadata.name);
      }
    },
    log: (message) => deps.log.info({}, message),
    onError: (error) => deps.log.warn({}, `image automation pass failed: ${errorMessage(error)}`),
  });
}
