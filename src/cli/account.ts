// `tiphys account generate-token|list-tokens|revoke-token`: API tokens for CI pipelines, through
// the API server only (tokens live there, not in a kubeconfig). A new token is printed once, alone
// on standard output, so `TOKEN=$(tiphys account generate-token …)` captures exactly it.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { addServerOption, withApi } from './kube-context.ts';
import { formatTable, OUTPUT_FORMATS, printOutput } from './output.ts';

const TOKENS = '/api/v1/account/tokens';
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90s`, `30m`, `24h`, `7d` or plain seconds, as a whole number of seconds. */
export function durationSeconds(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * UNITS[match[2] || 's'] : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new InvalidArgumentError('a duration like 3600, 90s, 30m, 24h or 7d');
  }
  return seconds;
}

interface TokenView {
  id: string;
  owner: string;
  subject: string;
  project?: string;
  role?: string;
  description?: string;
  createdAt: string;
  expiresAt?: string;
}

export function formatTokenList(tokens: readonly TokenView[]): string {
  return formatTable(
    ['ID', 'SUBJECT', 'OWNER', 'DESCRIPTION', 'CREATED', 'EXPIRES'],
    tokens.map((t) => [t.id, t.subject, t.owner, t.description ?? '', t.createdAt, t.expiresAt ?? 'never']),
  );
}

interface GenerateFlags {
  project?: string;
  role?: string;
  expiresIn?: number;
  description?: string;
}

export function registerAccountCommands(program: Command): Command {
  const group = program
    .command('account')
    .description('API tokens for CI pipelines (through the API server: run tiphys login first)')
    .configureHelp({ showGlobalOptions: true })
    .option('--auth-token <token>', 'API token (default: $TIPHYS_AUTH_TOKEN, then the token of tiphys login)')
    .addOption(new Option('-o, --output <format>', 'output format (default: text)').choices(OUTPUT_FORMATS));
  addServerOption(group);

  group
    .command('generate-token')
    .description(
      "create an API token and print it once: your own rights, or a project role's with --project and --role",
    )
    .option('--project <name>', 'a token of a role of this AppProject (needs update on the project)')
    .option('--role <name>', 'with --project: the role (see tiphys proj get)')
    .option('--expires-in <duration>', 'lifetime, like 24h or 7d (default: no expiry)', durationSeconds)
    .option('--description <text>', 'what the token is for, shown by list-tokens')
    .action(async (flags: GenerateFlags, command: Command) =>
      withApi(command, async (ctx) => {
        const body = {
          ...(flags.project !== undefined ? { project: flags.project } : {}),
          ...(flags.role !== undefined ? { role: flags.role } : {}),
          ...(flags.expiresIn !== undefined ? { expiresIn: flags.expiresIn } : {}),
          ...(flags.description !== undefined ? { description: flags.description } : {}),
        };
        const created = await ctx.api.post<{ id: string; token: string; expiresAt?: string }>(TOKENS, body);
        // The one place a secret is printed: the person asked for it, and it is never shown again.
        printOutput(ctx.output, created, () => created.token);
        if (ctx.output !== 'json' && ctx.output !== 'yaml') {
          console.error(
            `token ${created.id} created (${created.expiresAt ? `expires ${created.expiresAt}` : 'no expiry'}); it is shown only this once`,
          );
        }
      }),
    );

  group
    .command('list-tokens')
    .description('list the API tokens you may manage (never their values)')
    .action(async (_flags: unknown, command: Command) =>
      withApi(command, async (ctx) => {
        const { items } = await ctx.api.get<{ items: TokenView[] }>(TOKENS);
        printOutput(ctx.output, items, () => {
          if (items.length === 0) console.error('No API tokens.');
          return items.length === 0 ? '' : formatTokenList(items);
        });
      }),
    );

  group
    .command('revoke-token')
    .description('revoke an API token: it stops working at once')
    .argument('<id>', 'token ID (see list-tokens)')
    .action(async (id: string, _flags: unknown, command: Command) =>
      withApi(command, async (ctx) => {
        await ctx.api.delete(`${TOKENS}/${encodeURIComponent(id)}`);
        console.log(`token ${id} revoked`);
      }),
    );
  return group;
}
