// Reusable port bundles. A bundle is declared once as a list of fields with the direction
// they flow relative to the data (forward: source to sink; backward: sink to source), and
// a module takes it as a sink (ports prefixed s_axis_*) or a source (m_axis_*).

import { GenError } from './errors.ts';
import type { SignalRef } from './expr.ts';
import type { Module, OutputHandle } from './module.ts';

export interface BundleField {
  readonly name: string;
  readonly width: number;
  readonly flow: 'forward' | 'backward';
  readonly doc: string;
}

export interface AxisShape {
  readonly dataWidth: number;
  /** Width of tuser; 0 leaves it out. */
  readonly userWidth?: number;
  /** Include tkeep (one bit per data byte); dataWidth must then be a multiple of 8. */
  readonly keep?: boolean;
  /** Include tlast. */
  readonly last?: boolean;
}

/** The AXI-Stream field list for a shape, in the order ports are declared. */
export function axisFields(shape: AxisShape): BundleField[] {
  const fields: BundleField[] = [{ name: 'tdata', width: shape.dataWidth, flow: 'forward', doc: 'data' }];
  if (shape.keep) {
    if (shape.dataWidth % 8 !== 0) throw new GenError(`AXI-Stream: tkeep needs a data width in whole bytes, got ${shape.dataWidth}`);
    fields.push({ name: 'tkeep', width: shape.dataWidth / 8, flow: 'forward', doc: 'byte enables, one per tdata byte' });
  }
  fields.push({ name: 'tvalid', width: 1, flow: 'forward', doc: 'beat valid' });
  fields.push({ name: 'tready', width: 1, flow: 'backward', doc: 'sink ready; a beat moves when tvalid and tready are both 1' });
  if (shape.last) fields.push({ name: 'tlast', width: 1, flow: 'forward', doc: 'last beat of a packet' });
  if (shape.userWidth) fields.push({ name: 'tuser', width: shape.userWidth, flow: 'forward', doc: 'sideband' });
  return fields;
}

/** Inputs of a sink are SignalRefs; its outputs (tready) are OutputHandles. */
export type SinkPorts = Record<string, SignalRef> & { tready: OutputHandle };
/** Outputs of a source are OutputHandles; its input (tready) is a SignalRef. */
export type SourcePorts = Record<string, OutputHandle> & { tready: SignalRef };

export function bundleSink(m: Module, prefix: string, fields: readonly BundleField[]): SinkPorts {
  const out: Record<string, SignalRef | OutputHandle> = {};
  for (const f of fields) {
    const name = `${prefix}_${f.name}`;
    out[f.name] = f.flow === 'forward' ? m.input(name, f.width, f.doc) : m.output(name, f.width, f.doc);
  }
  return out as SinkPorts;
}

export function bundleSource(m: Module, prefix: string, fields: readonly BundleField[]): SourcePorts {
  const out: Record<string, SignalRef | OutputHandle> = {};
  for (const f of fields) {
    const name = `${prefix}_${f.name}`;
    out[f.name] = f.flow === 'forward' ? m.output(name, f.width, f.doc) : m.input(name, f.width, f.doc);
  }
  return out as SourcePorts;
}

export const axisSink = (m: Module, shape: AxisShape, prefix = 's_axis'): SinkPorts => bundleSink(m, prefix, axisFields(shape));
export const axisSource = (m: Module, shape: AxisShape, prefix = 'm_axis'): SourcePorts => bundleSource(m, prefix, axisFields(shape));
