// `tiphys image set APP IMAGE=TAG`: for a CI pipeline that pushed its own image and commits it
// to the config repository itself (instead of Tiphys's image updater watching the registry). It
// writes the Kustomize images: entry of the app's path, on the app's branch, through the
// project-scoped write-back: through the API server when logged in (needs `update` on the app,
// audited), else with a kubeconfig. Exit codes: 0 committed (or already there), 1 the call failed
// (app not found, refused, Git error), 2 the command line is wrong (a value that is not IMAGE=TAG).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { RepoCredentialStore } from '../adapters/control-plane/repo-credential-store.ts';
import { GitWriter } from '../adapters/git/commit-edit.ts';
import { loadKubeConfig } from '../adapters/kube/kubeconfig.ts';
import { type ImageAssignment, parseImageAssignment } from '../core/image/assignment.ts';
import { type SetImageResult, setApplicationImage } from '../domain/images/set-image.ts';
import { addGlobalOptions, withBackend } from './kube-context.ts';

function assignment(value: string): ImageAssignment {
  try {
    return parseImageAssignment(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function valuePath(value: string): string {
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(value))
    throw new InvalidArgumentError(`${JSON.stringify(value)} is not a dotted values path such as image.tag`);
  return value;
}

export function registerImageCommands(program: Command): void {
  const image = addGlobalOptions(
    program.command('image').description('images the config repository deploys (for CI pipelines)'),
  );
  image
    .command('set')
    .description(
      "commit IMAGE=TAG to the app's kustomization (images: entry), Helm values or marked fields on its branch; exit 0 committed or unchanged, 1 failed, 2 bad command line",
    )
    .argument('<app>', 'the Application whose path holds the kustomization, chart or marked files')
    .argument('<image=tag>', 'e.g. ghcr.io/team/hello=1.0.1 or hello=1.0.1@sha256:…', assignment)
    .option('--dry-run', 'print the diff, commit nothing')
    .option('--value-path <path>', 'Helm apps: the values field holding the tag (e.g. image.tag)', valuePath)
    .action(
      async (
        app: string,
        set: ImageAssignment,
        flags: { dryRun?: boolean; valuePath?: string },
        command: Command,
      ) =>
        withBackend(command, async (ctx) => {
          let result: SetImageResult;
          const text = `${set.image}=${set.tag}${set.digest ? `@${set.digest}` : ''}`;
          if (ctx.api) {
            result = await ctx.api.post<SetImageResult>(
              `/api/v1/applications/${encodeURIComponent(app)}/image`,
              {
                set: text,
                ...(flags.dryRun ? { dryRun: true } : {}),
                ...(flags.valuePath ? { valuePath: flags.valuePath } : {}),
              },
            );
          } else {
            const kubeConfig = loadKubeConfig(ctx.kubeconfig);
            const workDir = mkdtempSync(join(tmpdir(), 'tiphys-image-set-'));
            const credentials = new RepoCredentialStore(kubeConfig, ctx.namespace);
            try {
              result = await setApplicationImage(
                ctx,
                { writer: new GitWriter({ workDir }), credentialsFor: (url) => credentials.forUrl(url) },
                app,
                set,
                `kubeconfig:${userInfo().username}`,
                { dryRun: flags.dryRun, valuePath: flags.valuePath },
              );
            } finally {
              rmSync(workDir, { recursive: true, force: true });
            }
          }
          if (result.outcome === 'dry-run') process.stdout.write(result.diff);
          else
            console.log(
              result.outcome === 'committed'
                ? `committed ${result.commit} to ${result.repoURL} ${result.branch}: ${result.file} ${text}`
                : `unchanged: ${result.file} on ${result.branch} already has ${text}`,
            );
        }),
    );
}
