// The register map's printed forms agree with each other: firmware/skywire_fp.rdl compiles with
// systemrdl-compiler and has exactly the map's registers, addresses, fields and access; the C
// header compiles with gcc (C89 and C11, and as C++), and PeakRDL's C header of the SystemRDL
// agrees with ours on every register offset (its struct layout) and every field's position,
// width and reset (static assertions, so a disagreement fails the compile).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fpRegisterMap } from '../../spec/forwarding/registers.ts';
import { type FieldDef, registerInstances } from '../../spec/forwarding/regmap.ts';
import { FIRMWARE_DIR } from '../../rtl-gen/cli.ts';
import { FP_C_HEADER, FP_RDL } from '../../rtl-gen/regmap/designs.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PY = join(ROOT, '.venv', 'bin', 'python3');
const HELPER = fileURLToPath(new URL('./support/rdl.py', import.meta.url));
const withoutVenv = process.env.SKIP_ECP5 === '1';

interface RdlField { name: string; lsb: number; width: number; sw: string; hw: string; reset: number | null; onwrite: string | null }
interface RdlReg { path: string; address: number; fields: RdlField[] }

const swOf = (f: FieldDef): string => ({ rw: 'rw', ro: 'r', wo: 'w', w1c: 'rw' })[f.access];

describe.skipIf(withoutVenv)('firmware/skywire_fp.rdl (SystemRDL)', () => {
  const map = fpRegisterMap();
  const dir = mkdtempSync(join(tmpdir(), 'skywire-rdl-'));
  const peakHeader = join(dir, 'peak.h');
  let compiled: { size: number; regs: RdlReg[] };

  it('compiles with systemrdl-compiler and holds exactly the map: addresses, fields, access, resets', () => {
    expect(existsSync(PY), '.venv is missing: run `npm run bootstrap`').toBe(true);
    const out = execFileSync(PY, [HELPER, join(FIRMWARE_DIR, FP_RDL), peakHeader], { encoding: 'utf8' });
    compiled = JSON.parse(out) as typeof compiled;
    const ours = registerInstances(map);
    expect(compiled.regs.length).toBe(ours.length);
    const byPath = new Map(compiled.regs.map((r) => [r.path, r]));
    for (const it of ours) {
      const path = `${map.name}.${it.group.name}${it.group.count > 1 ? `[${it.index}]` : ''}.${it.reg.name}`;
      const r = byPath.get(path);
      expect(r, path).toBeDefined();
      expect(r!.address, path).toBe(it.address);
      expect(r!.fields.map((f) => f.name)).toEqual(it.reg.fields.map((f) => f.name));
      it.reg.fields.forEach((f, i) => {
        const g = r!.fields[i]!;
        expect([g.lsb, g.width, g.sw], `${path}.${f.name}`).toEqual([f.lsb, f.width, swOf(f)]);
        if (f.value !== undefined) expect(BigInt(g.reset!), `${path}.${f.name}`).toBe(f.value);
        else if (f.access !== 'ro') expect(BigInt(g.reset ?? 0), `${path}.${f.name}`).toBe(f.reset);
        if (f.access === 'w1c') expect(g.onwrite).toBe('woclr');
      });
    }
  });

  it('has a C header that compiles in C89, C11 and C++ and agrees with PeakRDL\'s, macro by macro', () => {
    expect(existsSync(peakHeader), 'the previous test writes PeakRDL\'s header').toBe(true);
    const ours = join(FIRMWARE_DIR, FP_C_HEADER);
    const lines = ['#include <stddef.h>', '#include <stdint.h>', `#include "${peakHeader}"`, `#include "${ours}"`];
    const up = (s: string): string => s.toUpperCase();
    let asserts = 0;
    const check = (a: string, b: string, what: string): void => {
      lines.push(`_Static_assert((${a}) == (${b}), "${what}");`);
      asserts++;
    };
    for (const it of registerInstances(map)) {
      const g = it.group;
      const ourAddr = `SKYWIRE_FP_${up(g.name)}_${up(it.reg.name)}${g.count > 1 ? `(${it.index})` : ''}`;
      check(`offsetof(skywire_fp_t, ${g.name}${g.count > 1 ? `[${it.index}]` : ''}.${it.reg.name})`, ourAddr, `address of ${it.path}`);
      if (it.index > 0) continue;
      for (const f of it.reg.fields) {
        const peak = `SKYWIRE_FP__${up(g.name)}__${up(it.reg.name)}__${up(f.name)}`;
        const mine = `SKYWIRE_FP_${up(g.name)}_${up(it.reg.name)}_${up(f.name)}`;
        check(`${peak}_bp`, `${mine}_SHIFT`, `shift of ${g.name}.${it.reg.name}.${f.name}`);
        check(`${peak}_bw`, `${mine}_WIDTH`, `width of ${g.name}.${it.reg.name}.${f.name}`);
        check(`${peak}_bm`, `${mine}_MASK`, `mask of ${g.name}.${it.reg.name}.${f.name}`);
        if (f.value !== undefined) check(`${peak}_reset`, `${mine}_VALUE`, `value of ${g.name}.${it.reg.name}.${f.name}`);
        else if (f.access !== 'ro') check(`${peak}_reset`, `${mine}_RESET`, `reset of ${g.name}.${it.reg.name}.${f.name}`);
      }
    }
    lines.push('int main(void) { return 0; }', '');
    const cross = join(dir, 'cross.c');
    writeFileSync(cross, lines.join('\n'));
    expect(asserts).toBeGreaterThan(500);
    const cc = (args: string[]): void => {
      const r = spawnSync('gcc', args, { encoding: 'utf8' });
      expect(r.status, `gcc ${args.join(' ')}:\n${r.stderr}`).toBe(0);
    };
    cc(['-std=c11', '-Wall', '-Wextra', '-Werror', '-fsyntax-only', cross]);
    // Our header alone, strictest C and C++.
    const alone = join(dir, 'alone.c');
    writeFileSync(alone, `#include "${ours}"\nint main(void) { return (int)(SKYWIRE_FP_PEER_CTRL(3) - 0x10c0u); }\n`);
    cc(['-std=c89', '-pedantic', '-Wall', '-Wextra', '-Werror', '-fsyntax-only', alone]);
    const r = spawnSync('g++', ['-std=c++11', '-Wall', '-Wextra', '-Werror', '-fsyntax-only', '-x', 'c++', alone], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    // And a broken copy fails: the assertions can fail.
    const broken = join(dir, 'broken.c');
    writeFileSync(broken, readFileSync(cross, 'utf8').replace(`#include "${ours}"`, `#include "${ours}"\n#undef SKYWIRE_FP_PEER_CTRL_PORT_SHIFT\n#define SKYWIRE_FP_PEER_CTRL_PORT_SHIFT 9u`));
    expect(spawnSync('gcc', ['-std=c11', '-fsyntax-only', broken], { encoding: 'utf8' }).stderr).toContain('shift of peer.ctrl.port');
  });
});
