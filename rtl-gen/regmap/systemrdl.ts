// The register map in SystemRDL 2.0 (firmware/skywire_fp.rdl), for the tools of that world
// (systemrdl-compiler, PeakRDL's C headers, HTML, UVM models). A test compiles it with
// systemrdl-compiler and checks every address and field against the map it came from.
import type { FieldDef, GroupDef, RegDef, RegisterMap } from '../../spec/forwarding/regmap.ts';

const str = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const hex = (v: number | bigint): string => `0x${BigInt(v).toString(16)}`;

function fieldProps(f: FieldDef, r: RegDef): string {
  switch (f.access) {
    case 'rw':
      return r.kind === 'command' ? 'sw=rw; hw=r; swmod;' : 'sw=rw; hw=r;';
    case 'wo':
      return r.kind === 'command' ? 'sw=w; hw=r; swmod;' : 'sw=w; hw=r;';
    case 'w1c':
      return 'sw=rw; hw=r; onwrite=woclr; hwset;';
    case 'ro':
      if (f.value !== undefined) return 'sw=r; hw=na;';
      return r.kind === 'pop' ? 'sw=r; hw=w; swacc;' : 'sw=r; hw=w;';
  }
}

function regText(g: GroupDef, r: RegDef, indent: string): string[] {
  const L = [`${indent}reg {`, `${indent}    name = ${str(r.name)};`, `${indent}    desc = ${str(r.doc)};`];
  for (const f of r.fields) {
    const enc = f.values ? ` encode = ${g.name}_${r.name}_${f.name}_e;` : '';
    const reset = f.value ?? (f.access === 'ro' ? undefined : f.reset);
    L.push(`${indent}    field { desc = ${str(f.doc)}; ${fieldProps(f, r)}${enc} } ${f.name}[${f.lsb + f.width - 1}:${f.lsb}]${reset !== undefined ? ` = ${hex(reset)}` : ''};`);
  }
  L.push(`${indent}} ${r.name} @ ${hex(r.offset)};`);
  return L;
}

export function systemRdl(map: RegisterMap): string {
  const L = [
    `// ${map.name}.rdl: the ${map.name} register map ${map.version.major}.${map.version.minor} in SystemRDL 2.0.`,
    '// Generated from spec/forwarding/registers.ts by `npm run gen` (rtl-gen/regmap/systemrdl.ts); do not edit.',
    '',
  ];
  for (const g of map.groups) {
    for (const r of g.regs) {
      for (const f of r.fields) {
        if (!f.values) continue;
        L.push(`enum ${g.name}_${r.name}_${f.name}_e {`, ...Object.entries(f.values).map(([k, v]) => `    ${k} = ${v};`), '};');
      }
    }
  }
  L.push(`addrmap ${map.name} {`, `    name = ${str(map.name)};`, `    desc = ${str(map.doc)};`, '    default regwidth = 32;', '    default accesswidth = 32;');
  for (const g of map.groups) {
    L.push('', `    regfile {`, `        name = ${str(g.name)};`, `        desc = ${str(g.doc)};`);
    for (const r of g.regs) L.push(...regText(g, r, '        '));
    L.push(`    } ${g.name}${g.count > 1 ? `[${g.count}]` : ''} @ ${hex(g.offset)}${g.count > 1 ? ` += ${hex(g.stride)}` : ''};`);
  }
  L.push('};', '');
  return L.join('\n');
}
