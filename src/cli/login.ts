// `tiphys login [SERVER]` and `tiphys logout`: a session with the API server, kept in the CLI
// config file (cli-config.ts) so that app, cluster, repo, proj and account commands go through the
// server, with its RBAC and audit, instead of needing a kubeconfig.
//
// Single sign-on (`--sso`, like `argocd login --sso`): a one-shot listener on 127.0.0.1, and the
// browser sent to SERVER/auth/login?return_to=<listener>/callback&cli_state=<nonce>. After the
// OpenID Connect login the server redirects the browser to the listener with a session token and
// the nonce back; the CLI takes only the answer carrying its own nonce, checks the token with
// /api/v1/session/userinfo, stores it as a password login does, and tells the browser it is done.
import { spawn } from 'node:child_process';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { ApiClient, ApiError } from './api-client.ts';
import { configPath, normalizeServer, readConfig, writeConfig } from './cli-config.ts';
import { CliError } from './output.ts';

interface LoginFlags {
  username: string;
  password?: string;
  passwordStdin?: boolean;
  sso?: boolean;
  ssoTimeout: string;
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

const SSO_TIMEOUT_SECONDS = 300;

/** A small page for the browser tab that ends a CLI login. */
function answerBrowser(res: ServerResponse, status: number, title: string, text: string): void {
  const html = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    connection: 'close',
  });
  res.end(
    `<!doctype html><meta charset="utf-8"><title>Tiphys: ${html(title)}</title>` +
      `<body style="font-family:sans-serif;margin:3em"><h1>${html(title)}</h1><p>${html(text)}</p></body>`,
  );
}

/** Tries to open the URL in a browser; where that is not possible the printed URL suffices. */
function openBrowser(url: string): void {
  try {
    const child = spawn('xdg-open', [url], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {}
}

function sameNonce(given: string, wanted: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(wanted);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function ssoLogin(api: ApiClient, flags: LoginFlags): Promise<{ token: string; username: string }> {
  const timeoutSeconds = Number(flags.ssoTimeout);
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new CliError(`--sso-timeout must be a whole number of seconds, not "${flags.ssoTimeout}"`);
  }
  const nonce = randomBytes(24).toString('base64url');
  let settle: { resolve: (v: { token: string; username: string }) => void; reject: (e: Error) => void };
  const done = new Promise<{ token: string; username: string }>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Settled at most once, perhaps after a timeout already ended the wait: never unhandled.
  done.catch(() => {});
  let finished = false;
  const listener = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== '/callback') {
      return answerBrowser(res, 404, 'Not found', 'This is the one-time listener of tiphys login --sso.');
    }
    // Any page could send the browser here: only the answer carrying this login's nonce counts.
    if (finished || !sameNonce(url.searchParams.get('cli_state') ?? '', nonce)) {
      return answerBrowser(
        res,
        400,
        'Not this login',
        'This answer does not belong to the running tiphys login.',
      );
    }
    finished = true;
    const error = url.searchParams.get('error');
    const token = url.searchParams.get('token');
    if (error !== null || !token) {
      const message = error ?? 'the server sent no session token';
      answerBrowser(res, 401, 'Login failed', `${message}. See the terminal.`);
      return settle.reject(new CliError(`single sign-on at ${api.server} failed: ${message}`));
    }
    const checker = new ApiClient({ server: api.server, token, insecure: flags.insecure });
    checker
      .get<{ loggedIn: boolean; username?: string }>('/api/v1/session/userinfo')
      .then((info) => {
        if (!info.loggedIn) throw new CliError(`the session ${api.server} sent back is not valid there`);
        answerBrowser(res, 200, 'You are logged in', 'You are logged in to Tiphys; you can close this tab.');
        settle.resolve({ token, username: info.username ?? '(unknown)' });
      })
      .catch((cause: unknown) => {
        const failure = cause instanceof Error ? cause : new Error(String(cause));
        answerBrowser(res, 502, 'Login failed', `${failure.message}. See the terminal.`);
        settle.reject(failure);
      })
      .finally(() => checker.close());
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(0, '127.0.0.1', resolve);
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const returnTo = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/callback`;
    const query = { return_to: returnTo, cli_state: nonce };
    try {
      // A redirect means the server is set up for it and accepts the listener; else its own error.
      await api.request('GET', '/auth/login', { raw: true, query });
    } catch (error) {
      if (error instanceof ApiError) {
        throw new CliError(`single sign-on at ${api.server} is not available: ${error.serverMessage}`);
      }
      throw error;
    }
    const loginUrl = new URL(`${api.server}/auth/login`);
    for (const [name, value] of Object.entries(query)) loginUrl.searchParams.set(name, value);
    console.error(
      `Log in with single sign-on in a browser at this address (waiting up to ${timeoutSeconds} s):\n  ${loginUrl.href}`,
    );
    openBrowser(loginUrl.href);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new CliError(`no single sign-on answer within ${timeoutSeconds} s; run tiphys login --sso again`),
          ),
        timeoutSeconds * 1000,
      );
    });
    return await Promise.race([done, timeout]);
  } finally {
    clearTimeout(timer);
    listener.close();
    listener.closeAllConnections();
  }
}

async function login(serverArg: string | undefined, flags: LoginFlags): Promise<void> {
  const previous = readConfig();
  const given = serverArg ?? previous.server;
  if (!given) throw new CliError('which server? tiphys login SERVER (like https://tiphys.example.com)');
  if (flags.sso && (flags.password !== undefined || flags.passwordStdin || flags.username !== 'admin')) {
    throw new CliError(
      '--sso logs in through the browser: no --username, --password or --password-stdin with it',
    );
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
    .option('--password-stdin', 'read the password from standard input')
    .option('--sso', 'log in with single sign-on in a browser, which hands the session back to the CLI')
    .option('--sso-timeout <seconds>', 'how long --sso waits for the browser', String(SSO_TIMEOUT_SECONDS))
    .option('--insecure', "do not verify the server's TLS certificate (remembered for this server)")
    .action((server: string | undefined, flags: LoginFlags) => login(server, flags));
  program
    .command('logout')
    .description('end the session with the API server and forget its token')
    .action(() => logout());
}
