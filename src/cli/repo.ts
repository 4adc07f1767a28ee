// `tiphys repo add|list|rm`: credentials for Git repositories, one labelled Secret each, which the
// controller matches to an Application's repoURL by longest URL prefix; written here, or by the
// API server when logged in. Passwords and keys are written, never read back out: no output
// format of these commands includes them.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { PART_OF_LABEL } from '../core/model/common.ts';
import {
  type ApiContext,
  addGlobalOptions,
  apiStatus,
  type CliContext,
  type CommandContext,
  SECRET_TYPE_LABEL,
  secretPath,
  upsertSecret,
  withBackend,
} from './kube-context.ts';
import { CliError, formatTable, printOutput } from './output.ts';

const REPOSITORY = 'repository';

export interface RepoAddFlags {
  username?: string;
  password?: string;
  sshPrivateKeyPath?: string;
  insecure?: boolean;
  name?: string;
  upsert?: boolean;
}

/** What `repo list` shows of one Secret; deliberately no field that could hold a secret. */
export interface RepoView {
  url: string;
  name: string;
  username: string;
  /** `stored` through the API server, which does not say which kind. */
  credentials: 'password' | 'ssh-key' | 'stored' | 'none';
  insecure: boolean;
  secret: string;
}

interface SecretObject {
  metadata: { name: string };
  data?: Record<string, string>;
}

/** The Secret name: `repo-<name>`, else a hash of the URL so the same URL maps to the same Secret. */
export function repoSecretName(url: string, name?: string): string {
  return `repo-${name ?? createHash('sha256').update(url).digest('hex').slice(0, 10)}`;
}

/** The Secret data for `repo add`, checked; plain strings (encoded when written). */
export function repoSecretData(url: string, flags: RepoAddFlags): Record<string, string> {
  if (url === '' || url.startsWith('-')) throw new CliError(`"${url}" is not a repository URL`);
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(url)) {
    // The URL is shown by `repo list` and in Application specs; a password in it would be too.
    throw new CliError('put credentials in --username and --password, not in the URL');
  }
  if ((flags.username === undefined) !== (flags.password === undefined)) {
    throw new CliError('--username and --password go together');
  }
  if (flags.sshPrivateKeyPath && flags.username !== undefined) {
    throw new CliError('give either --username/--password or --ssh-private-key-path, not both');
  }
  const data: Record<string, string> = { url };
  if (flags.name) data.name = flags.name;
  if (flags.username !== undefined) data.username = flags.username;
  if (flags.password !== undefined) data.password = flags.password;
  if (flags.sshPrivateKeyPath) {
    try {
      data.sshPrivateKey = readFileSync(flags.sshPrivateKeyPath, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new CliError(`cannot read --ssh-private-key-path ${flags.sshPrivateKeyPath}: ${code}`);
    }
  }
  if (flags.insecure) data.insecure = 'true';
  return data;
}

export function repoView(secret: SecretObject): RepoView {
  const decode = (key: string) =>
    secret.data?.[key] ? Buffer.from(secret.data[key], 'base64').toString('utf8') : '';
  return {
    url: decode('url'),
    name: decode('name'),
    username: decode('username'),
    credentials: secret.data?.sshPrivateKey ? 'ssh-key' : secret.data?.password ? 'password' : 'none',
    insecure: decode('insecure') === 'true',
    secret: secret.metadata.name,
  };
}

export function formatRepoList(repos: readonly RepoView[]): string {
  return formatTable(
    ['URL', 'NAME', 'USERNAME', 'CREDENTIALS', 'INSECURE', 'SECRET'],
    repos.map((r) => [r.url, r.name, r.username, r.credentials, r.insecure ? 'true' : '', r.secret]),
  );
}

async function listRepoSecrets(ctx: CliContext): Promise<SecretObject[]> {
  const list = await ctx.rest.request<{ items: SecretObject[] }>('GET', secretPath(ctx.namespace), {
    query: { labelSelector: `${SECRET_TYPE_LABEL}=${REPOSITORY}` },
  });
  return list.items;
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
  const { name, username, password, sshPrivateKey, insecure } = data;
  const created = await api.post<RepoApiView>(REPOSITORIES, {
    url,
    ...(name ? { name } : {}),
    ...(username !== undefined ? { username, password } : {}),
    ...(sshPrivateKey ? { sshPrivateKey } : {}),
    ...(insecure ? { insecure: true } : {}),
  });
  console.log(`repository ${url} ${existing ? 'updated' : 'added'} (name ${created.name})`);
}

async function addRepo(ctx: CommandContext, url: string, flags: RepoAddFlags): Promise<void> {
  if (ctx.api) return addRepoViaApi(ctx, url, flags);
  const data = repoSecretData(url, flags);
  const name = repoSecretName(url, flags.name);
  const other = (await listRepoSecrets(ctx)).map(repoView).find((r) => r.url === url && r.secret !== name);
  if (other) throw new CliError(`repository ${url} is already registered (secret ${other.secret})`);
  const labels = { [SECRET_TYPE_LABEL]: REPOSITORY, ...PART_OF_LABEL };
  const created = await upsertSecret(ctx, name, labels, data, flags.upsert ?? false);
  console.log(`repository ${url} ${created ? 'added' : 'updated'} (secret ${name})`);
}

/** The repositories as table rows, and what -o json|yaml shows (the API server's own view). */
async function listRepos(ctx: CommandContext): Promise<{ rows: RepoView[]; data: unknown[] }> {
  if (ctx.api) {
    const items = (await ctx.api.get<{ items: RepoApiView[] }>(REPOSITORIES)).items;
    items.sort((a, b) => a.url.localeCompare(b.url));
    return { rows: items.map(repoViewFromApi), data: items };
  }
  const rows = (await listRepoSecrets(ctx)).map(repoView).sort((a, b) => a.url.localeCompare(b.url));
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
  const secrets = (await listRepoSecrets(ctx)).filter((secret) => {
    const view = repoView(secret);
    return view.url === urlOrName || (view.name !== '' && view.name === urlOrName);
  });
  if (secrets.length === 0) {
    throw new CliError(`repository "${urlOrName}" not found in namespace ${ctx.namespace}`);
  }
  for (const secret of secrets) {
    await ctx.rest
      .request('DELETE', secretPath(ctx.namespace, secret.metadata.name))
      .catch((error: unknown) => {
        if (apiStatus(error) !== 404) throw error;
      });
  }
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
    .option('--insecure', 'do not verify the TLS certificate or SSH host key')
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
