// A Git server for tests: Git's own `git http-backend` (CGI) behind a small node:http server on
// 127.0.0.1, serving every bare repository under a temporary root over smart HTTP, optionally
// behind HTTP basic auth. The repository-side helpers live in git-repo.ts.
import { type ChildProcess, spawn } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applyFiles,
  assertValidRefName,
  assertValidRepoName,
  cleanGitEnv,
  commitInWorkClone,
  copyFolder,
  createBranchAt,
  createTagAt,
  initBareRepo,
  resolveCommit,
  runGit,
} from './git-repo.ts';
import { cleanUpOnExit, killAndWait, killProcessGroup } from './process-cleanup.ts';

export type GitServerAuth = { username: string; password: string };

export interface GitServer {
  /** Base URL, no trailing slash: repositories are at `${url}/<name>.git`. */
  readonly url: string;
  /** Folder holding the bare repositories. */
  readonly root: string;
  repoUrl(name: string): string;
  /** The repository URL with the server's user:password embedded (the plain URL without auth). */
  authedRepoUrl(name: string): string;
  /** Creates `<name>.git`; with `fromFolder`, pushes one commit of that folder's files to `main`. */
  createRepo(name: string, fromFolder?: string): Promise<{ url: string; commit: string | undefined }>;
  /** Writes (string) or deletes (null) files, commits and pushes; resolves with the new commit. */
  commitFiles(
    name: string,
    files: Record<string, string | null>,
    message: string,
    options?: { branch?: string },
  ): Promise<string>;
  /** Resolves with the commit the new branch points to. */
  createBranch(name: string, branch: string, fromRef: string): Promise<string>;
  /** A lightweight tag, or an annotated one with `options.message`; resolves with the tagged commit. */
  tag(name: string, tag: string, ref: string, options?: { message?: string }): Promise<string>;
  headCommit(name: string, branch?: string): Promise<string>;
  /** Stops serving, kills running backends and removes the root. Safe to call more than once. */
  close(): Promise<void>;
}

// Generous: a backend only runs this long when something is stuck.
const backendTimeoutMs = 120_000;
const maxCgiHeaderBytes = 64 * 1024;
const realm = 'tiphys-testbed';

export async function startGitServer(options: { auth?: GitServerAuth } = {}): Promise<GitServer> {
  const { auth } = options;
  const backendPath = join(await runGit(['--exec-path']), 'git-http-backend');
  const root = await mkdtemp(join(tmpdir(), 'tiphys-git-'));
  const backends = new Set<ChildProcess>();
  const dropExitCleanUp = cleanUpOnExit(() => {
    for (const child of backends) killProcessGroup(child);
    rmSync(root, { recursive: true, force: true });
  });

  const server = createServer((req, res) => {
    if (!isAuthorized(req.headers.authorization, auth)) {
      res.writeHead(401, { 'WWW-Authenticate': `Basic realm="${realm}"`, 'Content-Type': 'text/plain' });
      res.end('authentication required\n');
      return;
    }
    runBackend(req, res, { backendPath, root, remoteUser: auth?.username, backends });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // A test that forgets close() still lets its process end; the exit hook then removes the root.
  server.unref();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const repoPath = (name: string): string => {
    assertValidRepoName(name);
    return join(root, `${name}.git`);
  };
  const existingRepoPath = (name: string): string => {
    const path = repoPath(name);
    if (!existsSync(path))
      throw new Error(`the testbed Git server has no repository named ${JSON.stringify(name)}`);
    return path;
  };
  const repoUrl = (name: string): string => {
    assertValidRepoName(name);
    return `${url}/${name}.git`;
  };

  let closing: Promise<void> | undefined;
  const shutDown = async (): Promise<void> => {
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await Promise.all([...backends].map(killAndWait));
    await stopped;
    await rm(root, { recursive: true, force: true });
    dropExitCleanUp();
  };

  return {
    url,
    root,
    repoUrl,
    authedRepoUrl(name) {
      if (!auth) return repoUrl(name);
      const credentials = `${encodeURIComponent(auth.username)}:${encodeURIComponent(auth.password)}`;
      return repoUrl(name).replace('http://', `http://${credentials}@`);
    },
    async createRepo(name, fromFolder) {
      const path = repoPath(name);
      if (existsSync(path)) throw new Error(`repository ${JSON.stringify(name)} already exists`);
      await initBareRepo(path);
      const commit =
        fromFolder === undefined
          ? undefined
          : await commitInWorkClone(path, 'main', 'Initial commit', (workTree) =>
              copyFolder(fromFolder, workTree),
            );
      return { url: repoUrl(name), commit };
    },
    async commitFiles(name, files, message, commitOptions = {}) {
      const branch = commitOptions.branch ?? 'main';
      assertValidRefName(branch, 'branch');
      return commitInWorkClone(existingRepoPath(name), branch, message, (workTree) =>
        applyFiles(workTree, files),
      );
    },
    async createBranch(name, branch, fromRef) {
      assertValidRefName(branch, 'branch');
      assertValidRefName(fromRef, 'revision');
      return createBranchAt(existingRepoPath(name), branch, fromRef);
    },
    async tag(name, tag, ref, tagOptions = {}) {
      assertValidRefName(tag, 'tag');
      assertValidRefName(ref, 'revision');
      return createTagAt(existingRepoPath(name), tag, ref, tagOptions.message);
    },
    async headCommit(name, branch = 'main') {
      assertValidRefName(branch, 'branch');
      const commit = await resolveCommit(existingRepoPath(name), `refs/heads/${branch}`);
      if (!commit)
        throw new Error(`repository ${JSON.stringify(name)} has no branch ${JSON.stringify(branch)}`);
      return commit;
    },
    close() {
      closing ??= shutDown();
      return closing;
    },
  };
}

function isAuthorized(header: string | undefined, auth: GitServerAuth | undefined): boolean {
  if (!auth) return true;
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1], 'base64');
  const expected = Buffer.from(`${auth.username}:${auth.password}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

type BackendContext = {
  backendPath: string;
  root: string;
  remoteUser: string | undefined;
  backends: Set<ChildProcess>;
};

/** Runs one request through `git http-backend` as a CGI: request body in, CGI response out, both streamed. */
function runBackend(req: IncomingMessage, res: ServerResponse, context: BackendContext): void {
  const requestUrl = new URL(req.url ?? '/', 'http://127.0.0.1');
  let pathInfo: string;
  try {
    pathInfo = decodeURIComponent(requestUrl.pathname);
  } catch {
    res.writeHead(400, { 'Content-Type': 'text/plain' }).end('malformed path\n');
    return;
  }
  const optional: Record<string, string | undefined> = {
    CONTENT_TYPE: req.headers['content-type'],
    CONTENT_LENGTH: req.headers['content-length'],
    // http-backend inflates gzip request bodies itself when told about them.
    HTTP_CONTENT_ENCODING: req.headers['content-encoding'],
    GIT_PROTOCOL: headerValue(req.headers['git-protocol']),
    REMOTE_USER: context.remoteUser,
  };
  const env = cleanGitEnv({
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: pathInfo,
    QUERY_STRING: requestUrl.search.slice(1),
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    GIT_PROJECT_ROOT: context.root,
    GIT_HTTP_EXPORT_ALL: '1',
    ...(Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)) as Record<
      string,
      string
    >),
  });
  // Its own process group, so killing it also kills the upload-pack/receive-pack it started.
  const child = spawn(context.backendPath, [], { env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  context.backends.add(child);
  const timer = setTimeout(() => killProcessGroup(child), backendTimeoutMs);
  let stderr = '';
  let headersDone = false;
  let head = Buffer.alloc(0);

  const fail = (status: number, message: string): void => {
    if (res.writableEnded) return;
    if (res.headersSent) res.destroy();
    else res.writeHead(status, { 'Content-Type': 'text/plain' }).end(`${message}\n`);
  };
  const readHead = (chunk: Buffer): void => {
    head = Buffer.concat([head, chunk]);
    const end = findHeaderEnd(head);
    if (!end) {
      if (head.length > maxCgiHeaderBytes) {
        killProcessGroup(child);
        fail(502, 'git http-backend sent no header terminator');
      }
      return;
    }
    headersDone = true;
    child.stdout.off('data', readHead);
    writeCgiHead(res, head.subarray(0, end.start).toString('latin1'));
    res.write(head.subarray(end.start + end.length));
    // Ended on the child's exit instead, so a killed backend breaks the response rather than truncating it.
    child.stdout.pipe(res, { end: false });
  };

  child.stdout.on('data', readHead);
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  // A backend that exits before reading the whole body is not an error of ours.
  child.stdin.on('error', () => {});
  req.pipe(child.stdin);
  req.on('error', () => killProcessGroup(child));
  res.on('close', () => {
    if (!res.writableFinished) killProcessGroup(child);
  });
  child.on('error', (error) => fail(500, `cannot run git http-backend: ${error.message}`));
  child.on('close', (code, signal) => {
    clearTimeout(timer);
    context.backends.delete(child);
    if (!headersDone)
      fail(502, `git http-backend exited (${signal ?? code}) without a response: ${stderr.trim()}`);
    else if (signal) res.destroy();
    // A non-zero exit after a response still ends it cleanly: the body carries Git's own error.
    else res.end();
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

function findHeaderEnd(buffer: Buffer): { start: number; length: number } | undefined {
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  if (crlf === -1 && lf === -1) return undefined;
  if (lf === -1 || (crlf !== -1 && crlf < lf)) return { start: crlf, length: 4 };
  return { start: lf, length: 2 };
}

/** Applies CGI response headers: `Status:` sets the status code, every other line is an HTTP header. */
function writeCgiHead(res: ServerResponse, head: string): void {
  let status = 200;
  let reason: string | undefined;
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') {
      const match = /^(\d{3})\s*(.*)$/.exec(value);
      if (match) {
        status = Number(match[1]);
        reason = match[2] || undefined;
      }
    } else {
      res.appendHeader(name, value);
    }
  }
  res.statusCode = status;
  if (reason) res.statusMessage = reason;
}
