// The web UI: the built files of ui/ at `/`, and index.html for any other non-API GET so the
// single-page app's own routes (/applications/guestbook) survive a reload. Without a build,
// `/` says how to make one instead of a bare 404.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Paths that belong to the API: they never fall back to the UI and answer 404 as JSON. */
const API_PATH = /^\/(api|auth|webhook|healthz|metrics)(\/|$|\?)/;

export const DEFAULT_UI_DIR = join(import.meta.dirname, '..', '..', 'ui', 'dist');

export async function registerStaticUi(app: FastifyInstance, uiDir: string): Promise<void> {
  const built = existsSync(join(uiDir, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, { root: uiDir, prefix: '/', wildcard: true, index: 'index.html' });
  } else {
    app.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/html; charset=utf-8').send(missingUiPage(uiDir)),
    );
  }
  app.setNotFoundHandler(async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0];
    if (built && (req.method === 'GET' || req.method === 'HEAD') && !API_PATH.test(path)) {
      return reply.type('text/html; charset=utf-8').sendFile('index.html');
    }
    return reply.code(404).send({ error: `${req.method} ${path}: no such endpoint` });
  });
}

function missingUiPage(uiDir: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Tiphys</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>Tiphys API server</h1>
<p>The web UI is not built: there is no <code>index.html</code> in <code>${escapeHtml(uiDir)}</code>.</p>
<p>Build it with <code>npm run build</code>, then reload this page; or start the server with
<code>--ui-dir</code> pointing at a built UI.</p>
<p>The API is served all the same: <a href="/api/openapi.json">/api/openapi.json</a> describes it.</p>
</body></html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}
