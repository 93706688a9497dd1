// simulate(): from a generated Module (or Verilog files) to a running Verilator model.

import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Module } from '../rtl-gen/ir/module.ts';
import { printDesign } from '../rtl-gen/verilog/printer.ts';
import { PROJECT_ROOT, buildModel } from './build.ts';
import { Dut, type NativeModel, type Signal, SimError } from './dut.ts';

const require = createRequire(import.meta.url);

/** A design under test whose ports are also properties: `dut.clk`, `dut.s_axis_tdata`. */
export type SimDut = Dut & { readonly [port: string]: Signal };

export interface SimulateOptions {
  /** Write a waveform (FST). Defaults to the WAVES environment variable being set to 1. */
  waves?: boolean;
  /** Name of the waveform file; defaults to the current vitest test name, else the module. */
  name?: string;
  /** Clock port name (default `clk`). */
  clock?: string;
}

export const WAVE_DIR = join(PROJECT_ROOT, 'build', 'waves');

export async function simulate(design: Module | { top: string; files: ReadonlyMap<string, string> }, opts: SimulateOptions = {}): Promise<SimDut> {
  const { top, files } = 'ports' in design ? { top: design.name, files: printDesign(design, { models: true }) } : design;
  const waves = opts.waves ?? process.env.WAVES === '1';
  const built = await buildModel({ top, files, trace: waves });
  const native = require(built.addon) as NativeModel;
  let wavePath: string | undefined;
  if (waves) {
    mkdirSync(WAVE_DIR, { recursive: true });
    const testName = opts.name ?? (await currentTestName()) ?? top;
    wavePath = join(WAVE_DIR, `${testName.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 120)}.fst`);
    await reportWaveOnFailure(wavePath);
  }
  const dut = new Dut(native, { module: top, wavePath, clock: opts.clock });
  return portProxy(dut);
}

/** Makes every port reachable as a property; an unknown name throws, naming the module. */
function portProxy(dut: Dut): SimDut {
  return new Proxy(dut, {
    get(target, prop, receiver) {
      if (typeof prop === 'symbol' || prop in target) return Reflect.get(target, prop, receiver);
      // `then` is probed by await on any returned object; a design is not a promise.
      if (prop === 'then') return undefined;
      const s = target.signals.get(prop);
      if (s) return s;
      throw new SimError(`${target.module} has no port "${prop}"; ports: ${[...target.signals.keys()].join(', ')}`);
    },
  }) as SimDut;
}

async function currentTestName(): Promise<string | undefined> {
  if (!process.env.VITEST) return undefined;
  const { expect } = await import('vitest');
  return expect.getState().currentTestName;
}

async function reportWaveOnFailure(path: string): Promise<void> {
  if (!process.env.VITEST) return;
  const { onTestFailed } = await import('vitest');
  try {
    onTestFailed(() => {
      console.error(`waveform of the failing test: ${path}`);
    });
  } catch {
    // Not inside a test (e.g. a beforeAll hook): the path is still in dut.wavePath.
  }
}

export { SimError };
