// Request validation with the same TypeBox schemas the models are written in, so a 400 names the
// field the way a person writes it (`spec.source.repoURL: is required`) and the OpenAPI document
// describes exactly what is checked.
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { schemaErrors } from '../core/model/validate.ts';
import { HttpError } from './http-error.ts';

const PART_NAMES: Record<string, string> = {
  body: 'request body',
  querystring: 'query',
  params: 'path',
  headers: 'headers',
};

/** Fastify's validator compiler: TypeBox checks, messages from `schemaErrors`, 400 on failure. */
export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const where = PART_NAMES[httpPart ?? ''] ?? httpPart ?? 'request';
  const coerceStrings = httpPart === 'querystring' || httpPart === 'params';
  return (data: unknown) => {
    const value = coerceStrings ? coerceParameters(schema, data) : data;
    if (httpPart === 'body' && (value === undefined || value === null)) {
      // No body at all: fine when nothing in it is required (`POST …/sync` means "sync as is").
      const required = (schema as { required?: string[] }).required ?? [];
      if (required.length === 0) return { value: {} };
      return {
        error: new HttpError(400, `request body: expected a JSON object with ${required.join(', ')}`),
      };
    }
    const errors = schemaErrors(schema, value);
    if (errors.length === 0) return { value };
    return { error: new HttpError(400, `${where}: ${errors.join('; ')}`) };
  };
};

/**
 * Query and path values arrive as strings: turn those the schema declares as integers, numbers
 * or booleans into values of that type (a value that does not convert stays a string and fails).
 */
export function coerceParameters(schema: TSchema, data: unknown): unknown {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties;
  if (!properties || typeof data !== 'object' || data === null) return data;
  const result: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  for (const [name, property] of Object.entries(properties)) {
    let value = result[name];
    if (Array.isArray(value)) value = value[value.length - 1];
    if (typeof value !== 'string') continue;
    result[name] = coerceOne(property.type, value);
  }
  return result;
}

function coerceOne(type: unknown, value: string): unknown {
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}
