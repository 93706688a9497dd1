// Generation-time parameter checking. A generator declares a schema; a configuration that
// cannot be built is rejected here with the generator, parameter and allowed values named,
// before any hardware is described.

import { GenError } from './errors.ts';
import type { ParamValue } from './module.ts';

export interface ParamRule<T extends ParamValue> {
  readonly default: T;
  readonly doc: string;
  /** Returns a description of what is allowed when `v` is not acceptable. */
  readonly check: (v: unknown) => string | undefined;
}

export function oneOf<T extends ParamValue>(doc: string, def: T, values: readonly T[]): ParamRule<T> {
  return {
    default: def,
    doc,
    check: (v) => (values.includes(v as T) ? undefined : `one of ${values.join(', ')}`),
  };
}

export function intRange(doc: string, def: number, min: number, max: number): ParamRule<number> {
  return {
    default: def,
    doc,
    check: (v) => (Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? undefined : `an integer from ${min} to ${max}`),
  };
}

export function powerOfTwo(doc: string, def: number, min: number, max: number): ParamRule<number> {
  return {
    default: def,
    doc,
    check: (v) =>
      Number.isInteger(v) && (v as number) >= min && (v as number) <= max && ((v as number) & ((v as number) - 1)) === 0
        ? undefined
        : `a power of two from ${min} to ${max}`,
  };
}

export type Schema = Record<string, ParamRule<ParamValue>>;
export type Resolved<S extends Schema> = { [K in keyof S]: S[K]['default'] };

/**
 * Fills defaults and checks every given parameter; unknown names are errors too, so a typo
 * in a configuration never silently builds the default design.
 */
export function resolveParams<S extends Schema>(generator: string, schema: S, given: Partial<Record<string, unknown>>): Resolved<S> {
  for (const key of Object.keys(given)) {
    if (!(key in schema)) {
      throw new GenError(`${generator}: unknown parameter "${key}"; known: ${Object.keys(schema).join(', ')}`);
    }
  }
  const out: Record<string, ParamValue> = {};
  for (const [key, rule] of Object.entries(schema)) {
    const v = given[key] === undefined ? rule.default : given[key];
    const problem = rule.check(v);
    if (problem) throw new GenError(`${generator}: parameter "${key}" is ${JSON.stringify(v)}; it must be ${problem}`);
    out[key] = v as ParamValue;
  }
  return out as Resolved<S>;
}
