// What the tenancy tests' attacker brings: a listener of their own that records every request
// (and asks for a password, so a client that has one sends it), and Git repositories written
// from a table of files.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { GitServer } from '../../testbed/src/git-server.ts';

export interface RecordedRequest {
  method: string;
  url: string;
  authorization?: string;
}

export interface RecordingListener {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that answers 401 (Basic) to everything and records it. */
export async function startRecordingListener(): Promise<RecordingListener> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="attacker"' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A repository on the testbed Git server holding exactly these files; resolves with its URL. */
export async function repoOfFiles(
  git: GitServer,
  name: string,
  files: Record<string, string>,
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `tiphys-${name}-`));
  try {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    return (await git.createRepo(name, dir)).url;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The messages of an Application's conditions, one string (for matching). */
export function conditionText(app: { status?: { conditions?: { message?: string }[] } }): string {
  return (app.status?.conditions ?? []).map((c) => c.message ?? '').join('\n');
}
