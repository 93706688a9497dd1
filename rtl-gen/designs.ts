// The designs whose Verilog is committed under rtl/. `npm run gen` prints exactly these;
// a test fails when rtl/ differs from what they print now.

import { blockIterative } from './chacha/block-iterative.ts';
import { quarterRound } from './chacha/quarter-round.ts';
import type { Module } from './ir/module.ts';
import { printDesign } from './verilog/printer.ts';

/** Top-level modules, each with its submodules. */
export function committedDesigns(): Module[] {
  return [
    quarterRound({ stages: 0 }),
    quarterRound({ stages: 1 }),
    quarterRound({ stages: 2 }),
    quarterRound({ stages: 4 }),
    blockIterative({ rounds: 20 }),
  ];
}

/** Every file of every committed design: file name to text. */
export function committedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const top of committedDesigns()) {
    for (const [name, text] of printDesign(top)) {
      const prev = files.get(name);
      if (prev !== undefined && prev !== text) throw new Error(`two designs print different ${name}`);
      files.set(name, text);
    }
  }
  return files;
}
