// The designs whose Verilog is committed under rtl/. `npm run gen` prints exactly these;
// a test fails when rtl/ differs from what they print now.

import { aeadDesigns } from './aead/designs.ts';
import { boardDesigns } from './board/designs.ts';
import { camDesigns } from './cam/designs.ts';
import { chachaDesigns } from './chacha/designs.ts';
import { forwardingDesigns } from './forwarding/designs.ts';
import { regmapDesigns } from './regmap/designs.ts';
import type { Module } from './ir/module.ts';
import { poly1305Designs } from './poly1305/designs.ts';
import { printDesign } from './verilog/printer.ts';

/** Top-level modules, each with its submodules; one list per design family. */
export function committedDesigns(): Module[] {
  return [...chachaDesigns(), ...poly1305Designs(), ...aeadDesigns(), ...camDesigns(), ...boardDesigns(), ...regmapDesigns(), ...forwardingDesigns()];
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
