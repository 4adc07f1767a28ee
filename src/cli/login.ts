// `tiphys login [SERVER]` and `tiphys logout`: a session with the API server, kept in the CLI
// config file (cli-config.ts) so that app, cluster, repo, proj and account commands go through the
// server, with its RBAC and audit, instead of needing a kubeconfig.
//
// Single sign-on: the server's /auth/callback ends the OpenID Connect login by setting an
// HTTP-only cookie and redirecting to its own `/`; it has no way to hand the session to a local
// listener. So `--sso` sends the person to the browser and takes the session token (or an API
// token) pasted back, checked against /api/v1/session/userinfo before it is stored.
import type { Command } from 'commander';
import { ApiClient, ApiError } from './api-client.ts';
import { configPath, normalizeServer, readConfig, writeConfig } from './cli-config.ts';
import { CliError } from './output.ts';

interface LoginFlags {
  username: string;
  password?: string;
  passwordStdin?: boolean;
  sso?: boolean;
  insecure?: boolean;
}

/** All of standard input, without the one newline `echo` or a here-string adds. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003' || (char === '\u0004' && value === ''))
          return finish(new CliError('cancelled'));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else if (char >= ' ') value += char;
      }
    };
    stdin.on('data', onData);
  });
}

/** A secret from the flag, standard input, or a hidden prompt; never from a guess. */
async function readSecret(what: string, flag: string | undefined, fromStdin: boolean): Promise<string> {
  let value = flag;
  if (value === undefined && fromStdin) value = await readStdin();
  else if (value === undefined && process.stdin.isTTY) value = await promptHidden(`${what}: `);
  if (value === undefined) {
    throw new CliError(`no ${what.toLowerCase()}: standard input is not a terminal; pass --password-stdin`);
  }
  if (value === '') throw new CliError(`the ${what.toLowerCase()} is empty`);
  return value;
}

async function passwordLogin(
  api: ApiClient,
  flags: LoginFlags,
): Promise<{ token: string; username: string }> {
  const password = await readSecret('Password', flags.password, flags.passwordStdin ?? false);
  try {
    const { token } = await api.request<{ token: string }>('POST', '/api/v1/session', {
      body: { username: flags.username, password },
      raw: true,
    });
    return { token, username: flags.username };
  } catch (error) {
    if (error instanceof ApiError)
      throw new CliError(`login to ${api.server} failed: ${error.serverMessage}`);
    throw error;
  }
}

async function ssoLogin(api: ApiClient, flags: LoginFlags): Promise<{ token: string; username: string }> {
  const loginUrl = `${api.server}/auth/login`;
  try {
    // A redirect means the server is set up for it; its own 404 says it is not.
    await api.request('GET', '/auth/login', { raw: true });
  } catch (error) {
    if (error instanceof ApiError) {
      throw new CliError(`single sign-on at ${api.server} is not available: ${error.serverMessage}`);
    }
    throw error;
  }
  console.error(
    [
      'Single sign-on happens in a browser:',
      `  1. Open ${loginUrl} and log in.`,
      '  2. The server keeps the session in the browser cookie "tiphys.token", which no page can hand',
      "     to the CLI: copy its value from the browser's developer tools (Application or Storage,",
      `     then Cookies, ${api.server}). An API token of yours works too.`,
      `  3. Paste it ${process.stdin.isTTY ? 'here (it is not shown)' : 'on standard input'}.`,
    ].join('\n'),
  );
  const token = await readSecret('Token', undefined, flags.passwordStdin || !process.stdin.isTTY);
  const checker = new ApiClient({ server: api.server, token, insecure: flags.insecure });
  try {
    const info = await checker.get<{ loggedIn: boolean; username?: string }>('/api/v1/session/userinfo');
    if (!info.loggedIn) {
      throw new CliError(`that token is not valid at ${api.server}: expired, revoked or not copied whole`);
    }
    return { token, username: info.username ?? '(unknown)' };
  } finally {
    checker.close();
  }
}

async function login(serverArg: string | undefined, flags: LoginFlags): Promise<void> {
  const previous = readConfig();
  const given = serverArg ?? previous.server;
  if (!given) throw new CliError('which server? tiphys login SERVER (like https://tiphys.example.com)');
  if (flags.sso && (flags.password !== undefined || flags.username !== 'admin')) {
    throw new CliError('--sso logs in through the browser: no --username or --password with it');
  }
  if (flags.password !== undefined && flags.passwordStdin) {
    throw new CliError('give either --password or --password-stdin, not both');
  }
  const server = normalizeServer(given);
  const api = new ApiClient({ server, insecure: flags.insecure });
  try {
    const { token, username } = flags.sso ? await ssoLogin(api, flags) : await passwordLogin(api, flags);
    writeConfig({ server, token, ...(flags.insecure ? { insecure: true } : {}) });
    console.log(`logged in to ${server} as ${username} (session stored in ${configPath()})`);
  } finally {
    api.close();
  }
}

async function logout(): Promise<void> {
  const config = readConfig();
  if (!config.server || !config.token) {
    console.log('not logged in');
    return;
  }
  const api = new ApiClient({ server: config.server, token: config.token, insecure: config.insecure });
  try {
    await api.delete('/api/v1/session');
  } catch (error) {
    // The local token goes either way; an expired one needs no revoking, others expire on their own.
    if (!(error instanceof ApiError && error.status === 401)) {
      console.error(
        `warning: ${config.server} did not revoke the session (${error instanceof Error ? error.message : String(error)}); it expires within 24 h`,
      );
    }
  } finally {
    api.close();
  }
  const { token: _dropped, ...rest } = config;
  writeConfig(rest);
  console.log(`logged out of ${config.server}`);
}

export function registerLoginCommands(program: Command): void {
  program
    .command('login')
    .description('log in to a Tiphys API server; app, cluster, repo, proj and account commands then use it')
    .argument('[server]', 'API server URL, like https://tiphys.example.com (default: the last one)')
    .option('--username <name>', 'local account to log in as', 'admin')
    .option(
      '--password <password>',
      'password (prefer the prompt or --password-stdin: flags end up in shell history)',
    )
    .option('--password-stdin', 'read the password (or with --sso the token) from standard input')
    .option('--sso', 'log in with single sign-on in a browser, then paste the session token')
    .option('--insecure', "do not verify the server's TLS certificate (remembered for this server)")
    .action((server: string | undefined, flags: LoginFlags) => login(server, flags));
  program
    .command('logout')
    .description('end the session with the API server and forget its token')
    .action(() => logout());
}
