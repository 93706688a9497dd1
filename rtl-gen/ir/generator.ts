// A generator is a plain function of checked parameters that returns a Module. Wrapping it
// here gives every generator the same parameter checking and the same header information.

import { type Module } from './module.ts';
import { type Resolved, type Schema, resolveParams } from './params.ts';

export interface Generator<S extends Schema> {
  readonly name: string;
  readonly version: string;
  readonly schema: S;
  /** Checks `params` (unknown names and bad values are GenErrors) and builds the module. */
  (params?: Partial<Resolved<S>>): Module;
}

export function defineGenerator<S extends Schema>(
  name: string,
  version: string,
  schema: S,
  build: (p: Resolved<S>, info: { name: string; version: string; params: Resolved<S> }) => Module,
): Generator<S> {
  const fn = (params: Partial<Resolved<S>> = {}): Module => {
    const p = resolveParams(name, schema, params as Record<string, unknown>);
    return build(p, { name, version, params: p });
  };
  return Object.assign(fn, { schema, version }) as unknown as Generator<S>;
}
