// The OpenAPI 3.1 document, generated from the routes as registered: every route's TypeBox
// schemas (params, query, body, responses) are the ones the validator checks, so the document
// cannot drift from the code. Named schemas become components, referred to by $ref.
import type { FastifyInstance, RouteOptions } from 'fastify';
import { tiphysVersion } from '../version.ts';
import { componentSchemas } from './schemas.ts';

// The documentation keywords routes carry next to their validation schemas.
declare module 'fastify' {
  interface FastifySchema {
    summary?: string;
    tags?: string[];
    /** Content types of a route that does not answer JSON (SSE, Prometheus text). */
    produces?: string[];
    /** Left out of the document (the UI's routes). */
    hide?: boolean;
  }
}

interface RouteSchema {
  summary?: string;
  tags?: string[];
  params?: unknown;
  querystring?: unknown;
  body?: unknown;
  response?: Record<string, unknown>;
  produces?: string[];
}

export interface CollectedRoute {
  method: string;
  url: string;
  schema: RouteSchema;
}

/** Paths the document describes; the UI's files and fallbacks are not API. */
const DOCUMENTED = /^\/(api\/|auth\/|webhook$|healthz$|metrics$)/;
/** Routes anyone may call: no login (or logging in itself), so no 401/403. */
const PUBLIC =
  /^\/(healthz|metrics|webhook|api\/webhook|api\/openapi\.json|auth\/.*|api\/v1\/session(\/.*)?)$/;

/** Records every route as it is added; call before the routes are registered. */
export function collectRoutes(app: FastifyInstance): CollectedRoute[] {
  const routes: CollectedRoute[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD' || method === 'OPTIONS' || !DOCUMENTED.test(route.url)) continue;
      if (route.schema?.hide) continue;
      routes.push({
        method: method.toLowerCase(),
        url: route.url,
        schema: (route.schema ?? {}) as RouteSchema,
      });
    }
  });
  return routes;
}

/** The methods the API has for a concrete path (`/api/v1/applications/web` → GET, PUT, DELETE). */
export function methodsOf(routes: readonly CollectedRoute[], path: string): string[] {
  const methods = new Set<string>();
  for (const route of routes) {
    const pattern = new RegExp(`^${route.url.replace(/[.]/g, '\\.').replace(/:[A-Za-z0-9_]+/g, '[^/]+')}$`);
    if (pattern.test(path)) methods.add(route.method.toUpperCase());
  }
  return [...methods].sort();
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const STATUS_TEXT: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted: the controller carries it out',
};

export function openApiDocument(routes: readonly CollectedRoute[]): Record<string, unknown> {
  const names = new Map<unknown, string>(
    Object.entries(componentSchemas).map(([name, schema]) => [schema, name]),
  );
  // A component refers to others by $ref too, but never to itself.
  const ref = (schema: unknown, self?: string): unknown => withRefs(schema, names, self);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const { schema } = route;
    const parameters = [
      ...parametersOf(schema.params, 'path', ref),
      ...parametersOf(schema.querystring, 'query', ref),
    ];
    // A route without a params schema (the auth routes) still declares its path parameters.
    for (const [, name] of route.url.matchAll(/:([A-Za-z0-9_]+)/g)) {
      if (!parameters.some((p) => (p as { name: string; in: string }).name === name)) {
        parameters.push({ name, in: 'path', required: true, schema: { type: 'string' } });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, body] of Object.entries(schema.response ?? {})) {
      responses[status] = {
        description: STATUS_TEXT[status] ?? 'OK',
        content: { 'application/json': { schema: ref(body) } },
      };
    }
    if (Object.keys(responses).length === 0) {
      // A route without response schemas (the auth routes): any success, described loosely.
      const type = schema.produces?.[0];
      responses['2XX'] = type
        ? { description: 'OK', content: { [type]: { schema: { type: 'string' } } } }
        : { description: 'OK', content: { 'application/json': { schema: {} } } };
    }
    const isPublic = PUBLIC.test(route.url);
    responses['400'] = errorResponse('Malformed input');
    if (!isPublic) {
      responses['401'] = errorResponse('Not logged in');
      responses['403'] = errorResponse('Not allowed');
    }
    responses['404'] = errorResponse(route.url.includes(':') ? 'Not found' : 'Not found or not configured');
    if (['post', 'put', 'delete'].includes(route.method) && !isPublic)
      responses['409'] = errorResponse('Conflict');
    const operation: Record<string, unknown> = {
      operationId: operationId(route.method, route.url),
      summary: schema.summary ?? `${route.method.toUpperCase()} ${route.url}`,
      tags: schema.tags ?? [
        route.url.startsWith('/auth/') || route.url.includes('/session') || route.url.includes('/account')
          ? 'auth'
          : 'system',
      ],
      ...(parameters.length > 0 ? { parameters } : {}),
      responses,
      ...(isPublic ? { security: [] } : {}),
    };
    if (schema.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: ref(schema.body) } },
      };
    }
    paths[path] ??= {};
    paths[path][route.method] = operation;
  }
  const schemas = Object.fromEntries(
    Object.entries(componentSchemas).map(([name, schema]) => [name, ref(schema, name)]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tiphys API',
      version: tiphysVersion,
      description: 'GitOps continuous delivery for Kubernetes. Errors are {"error": message}.',
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A session token or an API token.' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'tiphys.token' },
      },
    },
    security: [{ bearer: [] }, { cookie: [] }],
  };
}

function operationId(method: string, url: string): string {
  // `/api/v1/…` reads without its prefix; `/api/webhook` keeps it (it doubles `/webhook`).
  const words = url
    .replace(/^\/api\/v1\//, '/')
    .split(/[/-]/)
    .filter((part) => part !== '')
    .map((part) => (part.startsWith(':') ? `By${cap(part.slice(1))}` : cap(part.replace(/\W/g, ''))));
  return `${method}${words.join('')}`;
}

const cap = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function parametersOf(schema: unknown, location: 'path' | 'query', ref: (s: unknown) => unknown): unknown[] {
  const object = schema as
    | { properties?: Record<string, Record<string, unknown>>; required?: string[] }
    | undefined;
  if (!object?.properties) return [];
  return Object.entries(object.properties).map(([name, property]) => {
    const { description, ...rest } = ref(property) as Record<string, unknown>;
    return {
      name,
      in: location,
      required: location === 'path' || (object.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

/**
 * A plain JSON copy of a TypeBox schema (its own markers are not enumerable, so they drop out)
 * with every named component replaced by a $ref to it.
 */
function withRefs(schema: unknown, names: Map<unknown, string>, self?: string): unknown {
  const name = names.get(schema);
  if (name && name !== self) return { $ref: `#/components/schemas/${name}` };
  if (Array.isArray(schema)) return schema.map((item) => withRefs(item, names));
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, withRefs(value, names)]));
}
