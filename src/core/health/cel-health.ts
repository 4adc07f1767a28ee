import { Environment } from '@marcbachmann/cel-js';
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../manifest/object.ts';
import { conditionOf, isFields } from './fields.ts';
import { degraded, type HealthResult, healthy, progressing, unknown } from './status.ts';

/**
 * CEL health expressions for one kind, as Flux's `healthCheckExprs` has them: each is a CEL
 * expression over the object's top-level fields (`status`, `metadata`, `spec`…) that is true
 * when the object is in that state. inProgress is tried first, then failed, then current;
 * none true means still on its way.
 */
export interface CelHealthRule {
  current: string;
  inProgress?: string;
  failed?: string;
}

type Program = (context: Record<string, unknown>) => unknown;

export interface CompiledCelHealth {
  rule: CelHealthRule;
  programs: Array<{ field: 'inProgress' | 'failed' | 'current'; source: string; program: Program }>;
}

/** Expressions are small; these bounds refuse a pathological one before it is ever evaluated. */
const maxExpressionLength = 4096;
const environment = new Environment({
  unlistedVariablesAreDyn: true,
  enableOptionalTypes: true,
  limits: { maxAstNodes: 1000, maxDepth: 32, maxListElements: 100, maxMapEntries: 100, maxCallArguments: 8 },
});

export class CelHealthConfigError extends Error {}

/** Reads the YAML (or JSON) value of a `resource.customizations.health.cel.*` key. */
export function parseCelHealthRule(text: string): CelHealthRule {
  let value: unknown;
  try {
    value = parseYaml(text, { maxAliasCount: 10 });
  } catch (error) {
    throw new CelHealthConfigError(
      `not YAML: ${error instanceof Error ? error.message.split('\n')[0] : error}`,
    );
  }
  if (!isFields(value)) throw new CelHealthConfigError('expected a map with current, inProgress and failed');
  const unknownFields = Object.keys(value).filter(
    (key) => !['current', 'inProgress', 'failed'].includes(key),
  );
  if (unknownFields.length > 0) {
    throw new CelHealthConfigError(
      `unknown field ${unknownFields.map((key) => `"${key}"`).join(', ')} (expected current, inProgress, failed)`,
    );
  }
  for (const key of ['current', 'inProgress', 'failed'] as const) {
    if (value[key] !== undefined && typeof value[key] !== 'string')
      throw new CelHealthConfigError(`${key} must be a string`);
  }
  if (typeof value.current !== 'string' || value.current.trim() === '') {
    throw new CelHealthConfigError('current is required: the expression true when the object is healthy');
  }
  return value as unknown as CelHealthRule;
}

/** Compiles every expression of the rule; a syntax error names the field and the cause. */
export function compileCelHealth(rule: CelHealthRule): CompiledCelHealth {
  const programs: CompiledCelHealth['programs'] = [];
  for (const field of ['inProgress', 'failed', 'current'] as const) {
    const source = rule[field];
    if (source === undefined || source.trim() === '') continue;
    if (source.length > maxExpressionLength) {
      throw new CelHealthConfigError(`${field}: longer than ${maxExpressionLength} characters`);
    }
    try {
      programs.push({ field, source, program: environment.parse(source) as Program });
    } catch (error) {
      throw new CelHealthConfigError(
        `${field}: ${error instanceof Error ? error.message.split('\n')[0] : error}`,
      );
    }
  }
  return { rule, programs };
}

/** A field the object does not have yet: the expression is simply not true (yet). */
const isMissingField = (message: string) => /^(No such key|Unknown variable|no such key)/i.test(message);

/** The message of the condition that explains the state best, for a person reading it. */
function explanation(obj: KubeObject, preferred: string[]): string {
  for (const type of preferred) {
    const condition = conditionOf(obj, type);
    if (condition?.message) return condition.message;
  }
  return '';
}

export function evaluateCelHealth(compiled: CompiledCelHealth, obj: KubeObject): HealthResult {
  // Flux's contract: the object's top-level fields are the variables. An absent spec or
  // status read as empty maps so `has(status.x)` works on a new object.
  const context: Record<string, unknown> = { spec: {}, status: {}, ...obj };
  for (const { field, source, program } of compiled.programs) {
    let value: unknown;
    try {
      value = program(context);
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
      if (isMissingField(message)) continue;
      return unknown(`CEL health expression ${field} failed: ${message}`);
    }
    if (typeof value !== 'boolean') {
      return unknown(`CEL health expression ${field} returned ${typeof value}, not a bool: ${source}`);
    }
    if (!value) continue;
    if (field === 'inProgress')
      return progressing(explanation(obj, ['Reconciling', 'Ready']) || `In progress: ${source}`);
    if (field === 'failed') return degraded(explanation(obj, ['Stalled', 'Ready']) || `Failed: ${source}`);
    return healthy(explanation(obj, ['Ready']));
  }
  return progressing(
    explanation(obj, ['Reconciling', 'Ready']) || 'Waiting: no CEL health expression is true yet',
  );
}
