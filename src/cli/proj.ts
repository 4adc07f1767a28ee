// `tiphys proj list|get|create|delete|windows`: AppProjects, which limit what a group of Applications may
// deploy, from where and to where, and hold the roles project-scoped API tokens act as. Straight
// against the control cluster, or through the API server when logged in.
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { parse } from 'yaml';
import { APP_PROJECT_KIND, type AppProject, validateAppProject } from '../core/model/app-project.ts';
import { API_VERSION } from '../core/model/common.ts';
import {
  createProject as createProjectResource,
  deleteProject as deleteProjectResource,
  getProject as getProjectResource,
  listProjects as listProjectResources,
} from '../domain/projects.ts';
import { addGlobalOptions, apiStatus, type CommandContext, withBackend } from './kube-context.ts';
import { CliError, collect, formatFields, formatTable, printOutput, withoutManagedFields } from './output.ts';
import { registerProjectWindowsCommand } from './proj-windows.ts';

const apiPath = (name?: string) =>
  `/api/v1/projects${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

export interface ProjectFlags {
  file?: string;
  description?: string;
  sourceRepo?: string[];
  dest?: string[];
  allowClusterResource?: string[];
  role?: string[];
}

function readManifest(file: string): Partial<AppProject> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const parsed = parse(text) as unknown;
  if (typeof parsed !== 'object' || parsed === null)
    throw new CliError(`${file}: not an AppProject manifest`);
  return parsed as Partial<AppProject>;
}

/**
 * `NAME[:ACTION,ACTION…]` → a role whose policies allow those actions on the project's own
 * Applications (the only rights a project role can hold), for tokens of `account generate-token`.
 */
export function roleFromFlag(
  project: string,
  text: string,
): NonNullable<AppProject['spec']['roles']>[number] {
  const [name, actions = ''] = text.split(':', 2);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name)) throw new CliError(`--role ${text}: bad role name`);
  const policies = actions
    .split(',')
    .filter((a) => a !== '')
    .map((action) => `p, proj:${project}:${name}, applications, ${action}, ${project}/*, allow`);
  return { name, ...(policies.length > 0 ? { policies } : {}) };
}

/** The AppProject the flags (and the file, if any) describe, checked. */
export function projectFromFlags(name: string, namespace: string, flags: ProjectFlags): AppProject {
  const manifest = flags.file ? readManifest(flags.file) : {};
  if (manifest.metadata?.name && manifest.metadata.name !== name) {
    throw new CliError(`${flags.file} names project "${manifest.metadata.name}", not "${name}"`);
  }
  const spec = { ...(manifest.spec ?? {}) };
  if (flags.description !== undefined) spec.description = flags.description;
  if (flags.sourceRepo) spec.sourceRepos = [...(spec.sourceRepos ?? []), ...flags.sourceRepo];
  if (flags.dest) {
    const destinations = flags.dest.map((text) => {
      const [cluster, namespace, extra] = text.split(',');
      if (!cluster || namespace === undefined || extra !== undefined) {
        throw new CliError(`--dest ${text}: expected CLUSTER,NAMESPACE (globs; * for any)`);
      }
      return { cluster, namespace };
    });
    spec.destinations = [...(spec.destinations ?? []), ...destinations];
  }
  if (flags.allowClusterResource) {
    const kinds = flags.allowClusterResource.map((text) => {
      const at = text.lastIndexOf('/');
      return at < 0 ? { group: '', kind: text } : { group: text.slice(0, at), kind: text.slice(at + 1) };
    });
    spec.clusterResourceWhitelist = [...(spec.clusterResourceWhitelist ?? []), ...kinds];
  }
  if (flags.role) spec.roles = [...(spec.roles ?? []), ...flags.role.map((r) => roleFromFlag(name, r))];
  const project: AppProject = {
    apiVersion: API_VERSION,
    kind: APP_PROJECT_KIND,
    // Labels and annotations only: a manifest saved from a cluster carries a resourceVersion and
    // uid a create must not send.
    metadata: {
      name,
      namespace,
      ...(manifest.metadata?.labels ? { labels: manifest.metadata.labels } : {}),
      ...(manifest.metadata?.annotations ? { annotations: manifest.metadata.annotations } : {}),
    },
    spec,
  };
  const errors = validateAppProject(project);
  if (errors.length > 0) throw new CliError(`invalid project "${name}":\n  ${errors.join('\n  ')}`);
  return project;
}

export function formatProjectList(projects: readonly AppProject[]): string {
  return formatTable(
    ['NAME', 'DESCRIPTION', 'SOURCES', 'DESTINATIONS', 'ROLES'],
    projects.map((p) => [
      p.metadata.name,
      p.spec.description ?? '',
      (p.spec.sourceRepos ?? []).join(','),
      (p.spec.destinations ?? []).map((d) => `${d.cluster ?? '*'}/${d.namespace ?? '*'}`).join(','),
      (p.spec.roles ?? []).map((r) => r.name).join(','),
    ]),
  );
}

export function formatProjectDetails(p: AppProject): string {
  const kinds = (list: { group?: string; kind: string }[] | undefined) =>
    list?.map((k) => (k.group ? `${k.group}/${k.kind}` : k.kind)).join(', ');
  return formatFields([
    ['Name', p.metadata.name],
    ['Description', p.spec.description],
    ['Source repos', (p.spec.sourceRepos ?? []).join(', ') || '(none)'],
    [
      'Destinations',
      (p.spec.destinations ?? []).map((d) => `${d.cluster ?? '*'} / ${d.namespace ?? '*'}`).join(', ') ||
        '(none)',
    ],
    ['Cluster kinds', kinds(p.spec.clusterResourceWhitelist) || '(none)'],
    ['Denied kinds', kinds(p.spec.namespaceResourceBlacklist)],
    ['Roles', (p.spec.roles ?? []).map((r) => `${r.name} (${r.policies?.length ?? 0} policies)`).join(', ')],
  ]);
}

async function listProjects(ctx: CommandContext): Promise<AppProject[]> {
  if (!ctx.api) return listProjectResources(ctx);
  const list = await ctx.api.get<{ items: AppProject[] }>(apiPath());
  return list.items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

async function getProject(ctx: CommandContext, name: string): Promise<AppProject> {
  if (!ctx.api) return getProjectResource(ctx, name);
  try {
    return await ctx.api.get<AppProject>(apiPath(name));
  } catch (error) {
    if (apiStatus(error) === 404)
      throw new CliError(`project "${name}" not found in namespace ${ctx.namespace}`);
    throw error;
  }
}

async function createProject(ctx: CommandContext, project: AppProject): Promise<AppProject> {
  if (!ctx.api) return createProjectResource(ctx, project);
  try {
    return await ctx.api.post<AppProject>(apiPath(), project);
  } catch (error) {
    if (apiStatus(error) !== 409) throw error;
    throw new CliError(`project "${project.metadata.name}" already exists in namespace ${ctx.namespace}`);
  }
}

async function deleteProject(ctx: CommandContext, name: string): Promise<void> {
  // The API server refuses a project in use itself, and names the Applications.
  if (ctx.api) await ctx.api.delete(apiPath(name));
  else await deleteProjectResource(ctx, name);
}

function projectName(value: string): string {
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(value)) {
    throw new InvalidArgumentError('a project name is lowercase letters, digits, - and .');
  }
  return value;
}

export function registerProjectCommands(program: Command): Command {
  const group = addGlobalOptions(
    program.command('proj').description('manage AppProjects: what Applications may deploy, and where'),
  );
  group
    .command('list')
    .alias('ls')
    .description('list AppProjects')
    .action(async (_flags: unknown, command: Command) =>
      withBackend(command, async (ctx) => {
        const projects = await listProjects(ctx);
        printOutput(ctx.output, projects.map(withoutManagedFields), () => formatProjectList(projects));
      }),
    );
  group
    .command('get')
    .description('show an AppProject: sources, destinations, kinds, roles')
    .argument('<name>', 'name of the AppProject')
    .action(async (name: string, _flags: unknown, command: Command) =>
      withBackend(command, async (ctx) => {
        const project = await getProject(ctx, name);
        printOutput(ctx.output, withoutManagedFields(project), () => formatProjectDetails(project));
      }),
    );
  group
    .command('create')
    .description('create an AppProject (from flags, a manifest, or both)')
    .argument('<name>', 'name of the AppProject', projectName)
    .option('-f, --file <path>', 'an AppProject manifest (YAML or JSON); the flags add to it')
    .option('--description <text>', 'what the project is for')
    .option(
      '--source-repo <glob>',
      'repository URLs its Applications may use (repeatable; * for any)',
      collect,
    )
    .option('--dest <cluster,namespace>', 'where its Applications may deploy (repeatable; globs)', collect)
    .option(
      '--allow-cluster-resource <group/kind>',
      'a cluster-scoped kind it may deploy (repeatable)',
      collect,
    )
    .option(
      '--role <name[:action,…]>',
      'a role for project API tokens, allowed these actions on its apps, like ci:get,sync (repeatable)',
      collect,
    )
    .action(async (name: string, flags: ProjectFlags, command: Command) =>
      withBackend(command, async (ctx) => {
        const created = await createProject(ctx, projectFromFlags(name, ctx.namespace, flags));
        printOutput(ctx.output, withoutManagedFields(created), () => `project "${name}" created`);
      }),
    );
  group
    .command('delete')
    .alias('rm')
    .description('delete an AppProject no Application uses')
    .argument('<name>', 'name of the AppProject')
    .action(async (name: string, _flags: unknown, command: Command) =>
      withBackend(command, async (ctx) => {
        await deleteProject(ctx, name);
        console.log(`project "${name}" deleted`);
      }),
    );
  registerProjectWindowsCommand(group);
  return group;
}
