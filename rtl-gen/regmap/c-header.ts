// The register map as a C header for firmware and bring-up tools (firmware/include/): byte
// addresses, field shifts, widths, masks, reset values and named values, plus the formats
// that go with the registers (counter banks and kinds, host-port header, key slots, the
// route table's key and value). Macros only, no structs, so it compiles in C89 to C23 and
// C++ and says nothing about how the bus is reached (Etherbone, a CPU's bus, a simulation).
import { SLOTS_PER_PEER } from '../../spec/key-slots.ts';
import { COUNTER_BANKS, PEER_COUNTERS, PEER_COUNTER_STRIDE, PORT_COUNTERS, PORT_COUNTER_STRIDE } from '../../spec/forwarding/counters.ts';
import { HOST_HEADER_BYTES, HostKind, HostReason, NO_PEER } from '../../spec/forwarding/host-port.ts';
import type { FwdParams } from '../../spec/forwarding/params.ts';
import { type FieldDef, type RegisterMap } from '../../spec/forwarding/regmap.ts';
import { ROUTE_ID_BITS, ROUTE_KEY_BITS, routeValueLayout } from '../../spec/forwarding/route-key.ts';

const hexU = (v: number | bigint): string => `0x${BigInt(v).toString(16)}u`;
const up = (s: string): string => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

export function cHeader(map: RegisterMap, p: FwdParams, file: string): string {
  const P = up(map.name);
  const guard = `${up(file.replace(/\W/g, '_'))}`;
  const L: string[] = [];
  const def = (name: string, value: string, comment?: string): void => {
    L.push(`#define ${name.padEnd(48)} ${value}${comment ? `  /* ${comment.replace(/\*\//g, '* /')} */` : ''}`);
  };
  const cmt = (text: string): void => {
    L.push('', `/* ${text.replace(/\*\//g, '* /')} */`);
  };
  L.push(
    `/* ${file}: the ${map.name} register map ${map.version.major}.${map.version.minor} (${map.doc})`,
    ' * Generated from spec/forwarding/registers.ts by `npm run gen` (rtl-gen/regmap/c-header.ts); do not edit.',
    ' * Addresses are byte addresses on the device bus (Wishbone; Etherbone reaches the same addresses).',
    ' * Every register is 32 bits; REG(i) macros take the element of an array group. */',
    `#ifndef ${guard}`,
    `#define ${guard}`,
    '',
  );
  def(`${P}_MAP_BYTES`, hexU(map.bytes));
  def(`${P}_VERSION_MAJOR`, `${map.version.major}u`);
  def(`${P}_VERSION_MINOR`, `${map.version.minor}u`);
  for (const g of map.groups) {
    const G = `${P}_${up(g.name)}`;
    cmt(`${g.name}: ${g.doc}`);
    def(`${G}_BASE`, hexU(g.offset));
    if (g.count > 1) {
      def(`${G}_COUNT`, `${g.count}u`);
      def(`${G}_STRIDE`, hexU(g.stride));
    }
    for (const r of g.regs) {
      const R = `${G}_${up(r.name)}`;
      L.push(`/* ${g.name}.${r.name} (${r.kind === 'plain' ? '' : `${r.kind}, `}${[...new Set(r.fields.map((f) => f.access))].join('/')}): ${r.doc.replace(/\*\//g, '* /')} */`);
      if (g.count > 1) def(`${R}(i)`, `(${G}_BASE + (i) * ${G}_STRIDE + ${hexU(r.offset)})`);
      else def(R, hexU(g.offset + r.offset));
      for (const f of r.fields) fieldMacros(def, `${R}_${up(f.name)}`, f);
    }
  }
  cmt('Key slots (spec/key-slots.ts): slot = peer x 4 + (rx ? 2 : 0) + (generation & 1).');
  def(`${P}_SLOTS_PER_PEER`, `${SLOTS_PER_PEER}u`);
  def(`${P}_KEY_SLOT(peer, rx, gen)`, `((peer) * ${SLOTS_PER_PEER}u + ((rx) ? 2u : 0u) + ((gen) & 1u))`);
  cmt('Route table key (spec/forwarding/route-key.ts): the ingress peer above the 32-bit route ID.');
  def(`${P}_ROUTE_KEY_BITS`, `${ROUTE_KEY_BITS}u`);
  def(`${P}_ROUTE_KEY_FROM_SHIFT`, `${ROUTE_ID_BITS}u`);
  cmt('Route table value (spec/route-table/layout.ts), 64 bits: field shifts and widths.');
  for (const f of routeValueLayout(p).fields) {
    def(`${P}_ROUTE_VALUE_${up(f.name)}_SHIFT`, `${f.offset}u`);
    def(`${P}_ROUTE_VALUE_${up(f.name)}_WIDTH`, `${f.width}u`, f.doc);
  }
  cmt('Counters (spec/forwarding/counters.ts): banks, and the kinds of the peer and port banks.');
  for (const [k, v] of Object.entries(COUNTER_BANKS)) def(`${P}_COUNTER_BANK_${up(k)}`, `${v}u`);
  def(`${P}_PEER_COUNTER_STRIDE`, `${PEER_COUNTER_STRIDE}u`);
  PEER_COUNTERS.forEach((k, i) => def(`${P}_PEER_COUNTER_${up(k)}`, `${i}u`));
  def(`${P}_PORT_COUNTER_STRIDE`, `${PORT_COUNTER_STRIDE}u`);
  PORT_COUNTERS.forEach((k, i) => def(`${P}_PORT_COUNTER_${up(k)}`, `${i}u`));
  cmt('Host port (spec/forwarding/host-port.ts): the 8-byte metadata header of every host frame.');
  def(`${P}_HOST_HEADER_BYTES`, `${HOST_HEADER_BYTES}u`);
  def(`${P}_HOST_NO_PEER`, hexU(NO_PEER));
  for (const [k, v] of Object.entries(HostKind)) def(`${P}_HOST_KIND_${up(k)}`, `${v}u`);
  for (const [k, v] of Object.entries(HostReason)) def(`${P}_HOST_REASON_${up(k)}`, `${v}u`);
  L.push('', `#endif /* ${guard} */`, '');
  return L.join('\n');
}

function fieldMacros(def: (n: string, v: string, c?: string) => void, F: string, f: FieldDef): void {
  const mask = ((1n << BigInt(f.width)) - 1n) << BigInt(f.lsb);
  def(`${F}_SHIFT`, `${f.lsb}u`, f.doc);
  def(`${F}_WIDTH`, `${f.width}u`);
  def(`${F}_MASK`, hexU(mask));
  if (f.value !== undefined) def(`${F}_VALUE`, hexU(f.value));
  else if (f.access !== 'ro') def(`${F}_RESET`, hexU(f.reset));
  for (const [k, v] of Object.entries(f.values ?? {})) def(`${F}_${up(k)}`, `${v}u`);
}
