// `tiphys repo add|list|rm`: credentials for Git repositories, one labelled Secret each, which the
// controller matches to an Application's repoURL; registered by the domain operations, or by the
// API server when logged in. Passwords and keys are written, never read back out: no output
// format of these commands includes them.
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import {
  addRepository,
  listRepositories,
  RepositoryExistsError,
  type RepositoryInput,
  type RepositoryView,
  removeRepository,
  repositorySecretData,
  repositorySecretName,
  repositoryView,
} from '../domain/repositories.ts';
import { type ApiContext, addGlobalOptions, type CommandContext, withBackend } from './kube-context.ts';
import { CliError, formatTable, printOutput } from './output.ts';

export interface RepoAddFlags {
  username?: string;
  password?: string;
  sshPrivateKeyPath?: string;
  insecure?: boolean;
  sshKnownHostsPath?: string;
  sshAcceptNewHostKey?: boolean;
  name?: string;
  upsert?: boolean;
}

/** What `repo list` shows of one repository; deliberately no field that could hold a secret. */
export interface RepoView extends Omit<RepositoryView, 'credentials'> {
  /** `stored` through the API server, which does not say which kind. */
  credentials: RepositoryView['credentials'] | 'stored';
}

export const repoSecretName = repositorySecretName;
export const repoView = repositoryView;

/** What `repo add` registers: the flags, with the key file read. */
export function repositoryInput(url: string, flags: RepoAddFlags): RepositoryInput {
  // With --username too the domain refuses the pair: the file need not be read for that.
  let sshPrivateKey = flags.username === undefined ? undefined : flags.sshPrivateKeyPath;
  if (flags.sshPrivateKeyPath && sshPrivateKey === undefined) {
    try {
      sshPrivateKey = readFileSync(flags.sshPrivateKeyPath, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new CliError(`cannot read --ssh-private-key-path ${flags.sshPrivateKeyPath}: ${code}`);
    }
  }
  const { username, password, insecure, name, sshAcceptNewHostKey } = flags;
  let sshKnownHosts: string | undefined;
  if (flags.sshKnownHostsPath) {
    try {
      sshKnownHosts = readFileSync(flags.sshKnownHostsPath, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new CliError(`cannot read --ssh-known-hosts-path ${flags.sshKnownHostsPath}: ${code}`);
    }
  }
  return { url, username, password, sshPrivateKey, insecure, name, sshKnownHosts, sshAcceptNewHostKey };
}

/** The Secret data for `repo add`, checked by the domain's rules before anything is written. */
export function repoSecretData(url: string, flags: RepoAddFlags): Record<string, string> {
  return repositorySecretData(repositoryInput(url, flags));
}

export function formatRepoList(repos: readonly RepoView[]): string {
  return formatTable(
    ['URL', 'NAME', 'USERNAME', 'CREDENTIALS', 'INSECURE', 'SECRET'],
    repos.map((r) => [r.url, r.name, r.username, r.credentials, r.insecure ? 'true' : '', r.secret]),
  );
}

/** A repository as the API server shows it: never its credentials, nor the Secret they are in. */
export interface RepoApiView {
  url: string;
  name: string;
  username: string;
  hasCredentials: boolean;
  insecure: boolean;
}

/** The API server's repositories in the table's shape (the Secret stays the server's business). */
export function repoViewFromApi(view: RepoApiView): RepoView {
  return {
    url: view.url,
    name: view.name,
    username: view.username,
    credentials: view.hasCredentials ? 'stored' : 'none',
    insecure: view.insecure,
    secret: '',
  };
}

const REPOSITORIES = '/api/v1/repositories';

/** Through the API server; --upsert removes the old entry first, as it has no replace. */
async function addRepoViaApi({ api }: ApiContext, url: string, flags: RepoAddFlags): Promise<void> {
  const data = repoSecretData(url, flags);
  const existing = (await api.get<{ items: RepoApiView[] }>(REPOSITORIES)).items.find((r) => r.url === url);
  if (existing && !flags.upsert) {
    throw new CliError(
      `repository ${url} is already registered (as ${existing.name}); pass --upsert to replace it`,
    );
  }
  if (existing) await api.delete(`${REPOSITORIES}/${encodeURIComponent(existing.name)}`);
  const { name, username, password, sshPrivateKey, insecure, sshKnownHosts, sshAcceptNewHostKey } = data;
  const created = await api.post<RepoApiView>(REPOSITORIES, {
    url,
    ...(name ? { name } : {}),
    ...(username !== undefined ? { username, password } : {}),
    ...(sshPrivateKey ? { sshPrivateKey } : {}),
    ...(insecure ? { insecure: true } : {}),
    ...(sshKnownHosts ? { sshKnownHosts } : {}),
    ...(sshAcceptNewHostKey ? { sshAcceptNewHostKey: true } : {}),
  });
  console.log(`repository ${url} ${existing ? 'updated' : 'added'} (name ${created.name})`);
}

async function addRepo(ctx: CommandContext, url: string, flags: RepoAddFlags): Promise<void> {
  if (ctx.api) return addRepoViaApi(ctx, url, flags);
  try {
    const { view, created } = await addRepository(ctx, repositoryInput(url, flags), {
      replace: flags.upsert ?? false,
    });
    console.log(`repository ${url} ${created ? 'added' : 'updated'} (secret ${view.secret})`);
  } catch (error) {
    if (!(error instanceof RepositoryExistsError)) throw error;
    const { secret } = error.existing;
    throw new CliError(
      error.replaceable
        ? `secret "${secret}" already exists in namespace ${ctx.namespace}; pass --upsert to replace it`
        : `repository ${url} is already registered (secret ${secret})`,
    );
  }
}

/** The repositories as table rows, and what -o json|yaml shows (the API server's own view). */
async function listRepos(ctx: CommandContext): Promise<{ rows: RepoView[]; data: unknown[] }> {
  if (ctx.api) {
    const items = (await ctx.api.get<{ items: RepoApiView[] }>(REPOSITORIES)).items;
    items.sort((a, b) => a.url.localeCompare(b.url));
    return { rows: items.map(repoViewFromApi), data: items };
  }
  const rows = await listRepositories(ctx);
  return { rows, data: rows };
}

async function removeRepo(ctx: CommandContext, urlOrName: string): Promise<void> {
  if (ctx.api) {
    const found = (await listRepos(ctx)).rows.filter((r) => r.url === urlOrName || r.name === urlOrName);
    if (found.length === 0) throw new CliError(`repository "${urlOrName}" not found`);
    for (const repo of found) await ctx.api.delete(`${REPOSITORIES}/${encodeURIComponent(repo.name)}`);
    console.log(`repository "${urlOrName}" removed`);
    return;
  }
  await removeRepository(ctx, urlOrName);
  console.log(`repository "${urlOrName}" removed`);
}

function dnsLabel(value: string): string {
  if (!/^[a-z0-9]([-a-z0-9]{0,56}[a-z0-9])?$/.test(value)) {
    throw new InvalidArgumentError('lowercase letters, digits and -, at most 58');
  }
  return value;
}

export function registerRepoCommands(program: Command): Command {
  const group = addGlobalOptions(program.command('repo').description('credentials for Git repositories'));
  group
    .command('add')
    .description('store credentials for a repository URL (and every URL it is a prefix of)')
    .argument('<url>', 'repository URL, or a prefix like https://git.example.com/team/')
    .option('--username <name>', 'user for HTTPS basic auth')
    .option('--password <password>', 'password or access token for HTTPS basic auth')
    .option('--ssh-private-key-path <file>', 'SSH private key, for ssh:// and git@ URLs')
    .option(
      '--ssh-known-hosts-path <file>',
      "known_hosts lines of the repository's SSH host (ssh-keyscan prints them); SSH connects only to a host whose key is listed",
    )
    .option(
      '--ssh-accept-new-host-key',
      'trust the SSH host key seen on the first connection and pin it (trust on first use: only where the network is trusted)',
    )
    .option(
      '--insecure',
      'skip TLS certificate verification of an https repository (anyone on the network path can then read and change what is fetched); SSH host keys are checked regardless',
    )
    .option('--name <name>', 'short name; the Secret is called repo-NAME', dnsLabel)
    .option('--upsert', 'replace the credentials if this repository is already registered')
    .action(async (url: string, flags: RepoAddFlags, command: Command) =>
      withBackend(command, (ctx) => addRepo(ctx, url, flags)),
    );
  group
    .command('list')
    .alias('ls')
    .description('list repositories with credentials (passwords and keys are never shown)')
    .action(async (_flags: unknown, command: Command) =>
      withBackend(command, async (ctx) => {
        const { rows: repos, data } = await listRepos(ctx);
        printOutput(ctx.output, data, () => {
          if (repos.length === 0) console.error(`No repositories in namespace ${ctx.namespace}.`);
          return repos.length === 0 ? '' : formatRepoList(repos);
        });
      }),
    );
  group
    .command('rm')
    .alias('remove')
    .description('delete the credentials of a repository')
    .argument('<url>', 'repository URL (or the name given to repo add)')
    .action(async (url: string, _flags: unknown, command: Command) =>
      withBackend(command, (ctx) => removeRepo(ctx, url)),
    );
  return group;
}
