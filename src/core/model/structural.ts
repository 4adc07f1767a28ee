// Converts a TypeBox schema into a Kubernetes structural OpenAPI v3 schema: the subset of JSON
// Schema the API server accepts in a CRD (every node typed, no $ref/const/patternProperties, no
// `additionalProperties: false`, logical junctors carrying only validation). Anything it cannot
// express is an error at generation time, not a CRD the API server rejects at install time.
import type { TSchema } from 'typebox';
import { PRESERVE_UNKNOWN_FIELDS } from './common.ts';

/** An OpenAPI v3 schema as Kubernetes spells it (apiextensions.k8s.io/v1 JSONSchemaProps). */
export interface JsonSchemaProps {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  format?: string;
  enum?: unknown[];
  properties?: Record<string, JsonSchemaProps>;
  required?: string[];
  items?: JsonSchemaProps;
  additionalProperties?: JsonSchemaProps;
  not?: JsonSchemaProps;
  anyOf?: JsonSchemaProps[];
  allOf?: JsonSchemaProps[];
  oneOf?: JsonSchemaProps[];
  /** Other validation keywords and `x-kubernetes-*` extensions. */
  [keyword: string]: unknown;
}

/** Keywords copied unchanged: validation Kubernetes supports with the same meaning. */
const COPIED = new Set([
  'type',
  'description',
  'format',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'nullable',
  'title',
]);
/** Keywords that mean nothing to the API server, or that Tiphys applies itself (defaults). */
const DROPPED = new Set(['$id', '$schema', '$comment', 'default', 'examples']);
/** Inside not/anyOf/allOf/oneOf, structural schemas allow validation only, never shape or docs. */
const JUNCTOR_KEYS = new Set(['required', 'not', 'anyOf', 'allOf', 'oneOf']);
const JUNCTORS = ['not', 'anyOf', 'allOf', 'oneOf'] as const;

export function toStructuralSchema(schema: TSchema, path = '(root)'): JsonSchemaProps {
  const node = schema as Record<string, unknown>;
  const out: JsonSchemaProps = {};
  const preserve = node[PRESERVE_UNKNOWN_FIELDS] === true;
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('~') || DROPPED.has(key)) continue;
    if (COPIED.has(key) || key.startsWith('x-kubernetes-')) out[key] = value;
    else if (key === 'enum') Object.assign(out, enumSchema(value as unknown[], path));
    else if (key === 'const') Object.assign(out, enumSchema([value], path));
    else if (key === 'required') {
      if ((value as string[]).length > 0) out.required = [...(value as string[])];
    } else if (key === 'properties') {
      // The API server drops an empty `properties`: keeping it would make the stored CRD differ
      // from the applied one, and a later `kubectl apply --server-side` conflict with `tiphys`.
      if (Object.keys(value as object).length > 0)
        out.properties = mapProperties(value as Record<string, TSchema>, path);
    } else if (key === 'items') out.items = toStructuralSchema(value as TSchema, `${path}[]`);
    else if (key === 'additionalProperties') {
      // `false` is forbidden in CRDs (the API server prunes unknown fields); `true` is the default.
      if (typeof value === 'object')
        out.additionalProperties = toStructuralSchema(value as TSchema, `${path}.*`);
    } else if (key === 'patternProperties') {
      if (!preserve) out.additionalProperties = recordValue(value as Record<string, TSchema>, path);
    } else if ((JUNCTORS as readonly string[]).includes(key)) out[key] = junctor(value, `${path}.${key}`);
    else throw new Error(`${path}: keyword ${key} cannot be expressed in a CRD schema`);
  }
  if (preserve) {
    out.type ??= 'object';
    delete out.additionalProperties;
  }
  if (out.type === undefined && node['x-kubernetes-int-or-string'] !== true) {
    throw new Error(`${path}: a structural schema needs a type`);
  }
  if (Array.isArray(out.type)) throw new Error(`${path}: a structural schema has exactly one type`);
  return readable(out);
}

// description and type first: the generated YAML is read by people (`kubectl explain` does not care).
function readable(schema: JsonSchemaProps): JsonSchemaProps {
  const { description, type, ...rest } = schema;
  return {
    ...(description === undefined ? {} : { description }),
    ...(type === undefined ? {} : { type }),
    ...rest,
  };
}

function mapProperties(properties: Record<string, TSchema>, path: string): Record<string, JsonSchemaProps> {
  const out: Record<string, JsonSchemaProps> = {};
  for (const [name, schema] of Object.entries(properties))
    out[name] = toStructuralSchema(schema, `${path}.${name}`);
  return out;
}

// A TypeBox Record is `patternProperties: {'^.*$': V}`; Kubernetes spells a map `additionalProperties: V`.
function recordValue(patterns: Record<string, TSchema>, path: string): JsonSchemaProps {
  const entries = Object.entries(patterns);
  if (entries.length !== 1 || !['^.*$', '^(.*)$'].includes(entries[0][0])) {
    throw new Error(`${path}: only maps with any string key can be expressed in a CRD schema`);
  }
  return toStructuralSchema(entries[0][1], `${path}.*`);
}

function enumSchema(values: unknown[], path: string): JsonSchemaProps {
  const types = new Set(values.map((v) => (Number.isInteger(v) ? 'integer' : typeof v)));
  if (types.size !== 1) throw new Error(`${path}: an enum must have values of one type`);
  const [type] = types;
  if (type !== 'string' && type !== 'integer' && type !== 'boolean') {
    throw new Error(`${path}: enum values must be strings, integers or booleans`);
  }
  return { type, enum: [...values] };
}

function junctor(value: unknown, path: string): JsonSchemaProps | JsonSchemaProps[] {
  if (Array.isArray(value)) return value.map((v, i) => junctorSchema(v, `${path}[${i}]`));
  return junctorSchema(value, path);
}

function junctorSchema(value: unknown, path: string): JsonSchemaProps {
  const out: JsonSchemaProps = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (key.startsWith('~')) continue;
    if (!JUNCTOR_KEYS.has(key))
      throw new Error(`${path}: only required/not/anyOf/allOf/oneOf are allowed here`);
    out[key] = key === 'required' ? [...(v as string[])] : junctor(v, `${path}.${key}`);
  }
  return out;
}
