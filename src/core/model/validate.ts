// Turns TypeBox's validation errors (JSON pointers and keywords) into one line per problem that
// names the field the way a person writes it: `spec.source.repoURL: is required`.
import type { TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import { Settings } from 'typebox/system';
import { Value } from 'typebox/value';

// TypeBox stops after 8 errors by default; a person fixing a manifest wants them all at once.
const MAX_ERRORS = 100;

type SchemaError = ReturnType<typeof Value.Errors>[number];

/**
 * Messages for a resource as a person wrote it; empty when valid. The status is not checked: it
 * belongs to the controller, and an old status must not make a good manifest invalid.
 */
export function manifestErrors(schema: TSchema, obj: unknown): string[] {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return ['must be an object'];
  const { status: _status, ...rest } = obj as Record<string, unknown>;
  return schemaErrors(schema, rest);
}

// Each schema compiled once into a checker (generated code): checking an Application took
// 1.5 ms through the interpreter and 0.007 ms compiled, and the controller checks every app at
// every reconcile (1,000 apps: seconds of CPU). The interpreter still finds the errors of a
// value the checker refuses, so the messages are those it always gave.
const checkers = new WeakMap<TSchema, Validator>();

function checkerOf(schema: TSchema): Validator {
  let checker = checkers.get(schema);
  if (!checker) {
    checker = Compile(schema);
    checkers.set(schema, checker);
  }
  return checker;
}

/** Messages for every way `value` breaks `schema`; empty when it conforms. */
export function schemaErrors(schema: TSchema, value: unknown): string[] {
  if (checkerOf(schema).Check(value)) return [];
  const messages = new Set<string>();
  for (const error of allErrors(schema, value)) {
    for (const message of describe(schema, error)) messages.add(message);
  }
  return [...messages];
}

// The limit is a process-wide setting: raise it only for this synchronous call, then put it back.
function allErrors(schema: TSchema, value: unknown): SchemaError[] {
  const { maxErrors } = Settings.Get();
  Settings.Set({ maxErrors: MAX_ERRORS });
  try {
    return Value.Errors(schema, value);
  } finally {
    Settings.Set({ maxErrors });
  }
}

function describe(root: TSchema, error: SchemaError): string[] {
  const at = fieldPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return (params.requiredProperties as string[]).map((name) => `${join(at, name)}: is required`);
    case 'additionalProperties':
      return (params.additionalProperties as string[]).map((name) => `${join(at, name)}: unknown field`);
    case 'boolean':
      // `additionalProperties: false` also fails each extra property; reported once above.
      if (error.schemaPath.endsWith('/additionalProperties')) return [];
      break;
    case 'enum':
      return [`${label(at)}must be one of ${(params.allowedValues as unknown[]).join(', ')}`];
    case 'minLength':
      if (params.limit === 1) return [`${label(at)}must not be empty`];
      break;
    case 'const':
      return [`${label(at)}must be ${String(params.allowedValue)}`];
    case 'not': {
      const exclusive = exclusiveNames(schemaAt(root, error.schemaPath));
      if (exclusive) return [`${label(at)}set at most one of ${exclusive.join(', ')}`];
      break;
    }
  }
  return [`${label(at)}${error.message}`];
}

/** The names of an `atMostOneOf` clause (not: anyOf: [{required: [a, b]}, …]), if that is what it is. */
function exclusiveNames(schema: unknown): string[] | undefined {
  const anyOf = (schema as { not?: { anyOf?: { required?: string[] }[] } } | undefined)?.not?.anyOf;
  if (!Array.isArray(anyOf) || !anyOf.every((s) => Array.isArray(s.required))) return undefined;
  return [...new Set(anyOf.flatMap((s) => s.required ?? []))];
}

function schemaAt(root: TSchema, schemaPath: string): unknown {
  let node: unknown = root;
  for (const token of schemaPath.replace(/^#/, '').split('/').slice(1)) {
    node = (node as Record<string, unknown> | undefined)?.[unescapePointer(token)];
  }
  return node;
}

/** `/spec/ignoreDifferences/0/kind` → `spec.ignoreDifferences[0].kind`. */
export function fieldPath(instancePath: string): string {
  if (instancePath === '') return '';
  return instancePath
    .split('/')
    .slice(1)
    .map(unescapePointer)
    .reduce((path, key) => join(path, key), '');
}

function join(path: string, key: string): string {
  if (/^\d+$/.test(key)) return `${path}[${key}]`;
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

function label(path: string): string {
  return path ? `${path}: ` : '';
}

function unescapePointer(token: string): string {
  return token.replaceAll('~1', '/').replaceAll('~0', '~');
}
