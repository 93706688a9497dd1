// Generates docs/route-table.md from the code: the value layout table comes from
// spec/route-table/layout.ts, op codes and slot numbering from spec/route-table/geometry.ts, ports from a
// generated module, timing from each generator's timing constants. `npm run docs` writes it;
// test/cam/route-table-doc.test.ts fails when the committed file differs.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CMD_OPS, CMD_OP_BITS, RESERVED_OP_RULE } from '../../spec/route-table/geometry.ts';
import { hashIndex, keyWords } from '../../spec/route-table/hash.ts';
import { DEFAULT_VALUE_WIDTH, MAX_VALUE_WIDTH, MIN_VALUE_WIDTH, encodeAction, valueLayout } from '../../spec/route-table/layout.ts';
import { MAX_CUCKOO_MOVES } from '../../host/table/manager.ts';
import { bramCamTiming } from '../../rtl-gen/cam/bram-cam.ts';
import type { CamTiming } from '../../rtl-gen/cam/common.ts';
import { hashCam, hashCamGeometry, hashCamTiming, hashMasksHex } from '../../rtl-gen/cam/hash-cam.ts';
import { REGISTER_CAM_TIMING, VALUE_DELAY } from '../../rtl-gen/cam/register-cam.ts';

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function generateRouteTableDoc(): string {
  const l = valueLayout(DEFAULT_VALUE_WIDTH);
  const layoutRows = l.fields.map((f) => [f.width === 1 ? `${f.offset}` : `${f.offset + f.width - 1}:${f.offset}`, `\`${f.name}\``, `${f.width}`, f.doc]);
  const exampleFwd = encodeAction(l, { kind: 'forward', port: 3, nextRoute: 0x1234_5678_9abcn, qos: true });
  const exampleLocal = encodeAction(l, { kind: 'local', channel: 42n, qos: false });
  const m = hashCam({});
  const p = m.generator.params as { entries: number; ways: number; stash: number; keyWidth: number; valueWidth: number };
  const hg = hashCamGeometry(p);
  const examples = [1n, 0x0123456789abcdef0011223344556677n, (1n << 128n) - 1n].map((key) => ({
    key, indices: Array.from({ length: hg.ways }, (_, w) => hashIndex(hg.hash, w, keyWords(key, hg.keyWidth))),
  }));
  const ports = m.ports.map((p) => [`\`${p.name}\``, p.dir === 'input' ? 'in' : 'out', p.name === 'clk' || p.name === 'rst' ? '1' : `${p.width}`, p.doc ?? '']);
  const hashT = hashCamTiming({ entries: 4096, ways: 4 });
  const bramT = bramCamTiming({ entries: 256 });
  const seen = (v: number): string => (v === 0 ? 'e <= t' : `e <= t - ${v}`);
  const figures = benchFigures();
  const timingRow = (style: string, t: CamTiming, clear: string): string[] => [
    style, `${t.latency}`, `${seen(t.visibility.write)} / ${seen(t.visibility.update)} / ${seen(t.visibility.delete)}`,
    `${1 + t.busyAfter.write} / ${1 + t.busyAfter.update} / ${1 + t.busyAfter.delete}`, clear,
  ];
  return `# Route table: value layout, management port and write ordering

Every Skywire packet is forwarded by looking up its route ID in the route table. This page is
generated from the code (\`spec/route-table/layout.ts\`, \`spec/route-table/geometry.ts\`,
\`host/table/manager.ts\` and the generators in \`rtl-gen/cam/\`) by
\`scripts/docs/route-table.ts\` (\`npm run docs\`); \`test/cam/route-table-doc.test.ts\` fails when the two drift apart.

## Table entry

Key: the route ID, ${m.generator.params.keyWidth} bits by default (parameter \`keyWidth\`, 32 to 128).
Value: ${DEFAULT_VALUE_WIDTH} bits by default (parameter \`valueWidth\`, ${MIN_VALUE_WIDTH} to ${MAX_VALUE_WIDTH});
the \`arg\` field takes every bit above bit 15, so a ${DEFAULT_VALUE_WIDTH}-bit value carries a
${l.fields.at(-1)!.width}-bit next route ID (a 144-bit value carries a full 128-bit one).

${table(['Bits', 'Field', 'Width', 'Meaning'], layoutRows)}

The valid bit is what the hardware matches on: a slot whose value has bit 0 clear never hits.
Examples (${DEFAULT_VALUE_WIDTH}-bit): forward to port 3 with next route 0x123456789abc, QoS
priority = \`0x${exampleFwd.toString(16)}\`; deliver locally to channel 42 = \`0x${exampleLocal.toString(16)}\`.

## Lookup port

One lookup is accepted every cycle (\`s_axis_lookup_tready\` is always 1). The result comes
out a fixed number of cycles later on \`m_axis_result_*\` with the request's tag, so the
forwarding plane can match results to packets without a queue. There is no backpressure on
results. A miss returns \`hit = 0\` and value 0.

Ports of the hashed table (the other styles have the same ports; only \`s_cmd_slot\` differs in width):

${table(['Port', 'Dir', 'Width', 'Meaning'], ports)}

## Management port

\`s_cmd_*\` is a valid/ready port; a command moves when \`s_cmd_valid\` and \`s_cmd_ready\`
are both 1. Each command writes one slot; the table manager chooses slots.

${table(['op', 'Code', 'Effect'], [
  ['write', `${CMD_OPS.write}`, 'slot := {key, value}; used for inserts and cuckoo moves'],
  ['update', `${CMD_OPS.update}`, 'slot value := value; the key field must repeat the slot\'s key'],
  ['delete', `${CMD_OPS.delete}`, 'slot emptied (key and value fields ignored)'],
])}

\`s_cmd_op\` is ${CMD_OP_BITS} bits; ${RESERVED_OP_RULE}, in every style (so a stray code can
neither revive a deleted slot, nor delete or rekey a live one).

Slot numbering:

- register CAM and transposed block-RAM CAM: slot = entry number, 0 to entries - 1; when
  several entries match, the lowest wins;
- hashed table: way *w*, index *i* is slot *w* x depth + *i* (depth = entries / ways), stash
  entry *j* is slot entries + *j*. A route can be found only at index hash_w(route ID) of way
  *w* (H3 hashes, see below) or in the stash; the first match in the order way 0, way 1, ...,
  stash wins.

## Hash functions of the hashed table

Bit *b* of a route ID's index in way *w* is the parity (XOR) of the route ID's bits that are
set in mask[*w*][*b*]: index_w = sum over b of parity(route ID AND mask[w][b]) x 2^b. Mask bit 0
is route ID bit 0. The masks are fixed random bits (\`spec/route-table/hash.ts\` makes them from a
seeded generator; the table manager and the generator use the same ones); those of any other
size are listed in the header of its generated Verilog. For the default table
(${m.generator.params.entries} slots, ${hg.ways} ways of ${hg.depth}, ${hg.keyWidth}-bit route ID, ${hg.indexBits} index bits):

${table(['Way', 'Index bit', 'Mask'], hashMasksHex(hg).flatMap((way, w) => way.map((mk, b) => [`${w}`, `${b}`, `\`${mk}\``])))}

Examples to check an implementation against (index in each way, way 0 first):
${examples.map((e) => `\n- route ID \`0x${e.key.toString(16).padStart(32, '0')}\`: ${e.indices.join(', ')}`).join('')}

## Timing

${table(['Style', 'Latency (cycles)', 'A lookup in cycle t sees a write / update / delete accepted in cycle e when', 'Cycles per write / update / delete', 'After reset'], [
  timingRow('register CAM', REGISTER_CAM_TIMING, 'empty at once'),
  timingRow('transposed block-RAM CAM (256 entries)', bramT, `clear pass of ${bramT.clearCycles} cycles (ready low)`),
  timingRow('hashed (4,096 slots, 4 ways)', hashT, `clear pass of entries/ways = ${hashT.clearCycles} cycles (ready low, lookups miss)`),
])}

Each command is atomic for lookups: a lookup sees the slot entirely before or entirely after
it. The register CAM writes an entry's value ${VALUE_DELAY} cycles after its key and valid bit, exactly
the distance between its compare and value-read stages; the hashed table stores key and
value in one RAM word and forwards a word written in the cycle it is read; the block-RAM CAM
keeps an entry invalid while its bitmaps change, so its \`write\` must go to an empty entry
(the table manager only writes empty entries there; a route's value changes with \`update\`).

## Write ordering (what the table manager guarantees)

A host operation may need several commands. The manager (\`host/table/manager.ts\`) issues
them so that at every command boundary:

1. a route present before and after the operation is found with its value: a cuckoo move
   first copies the entry to its new slot (for a moment it is in both, with the same value)
   and only then overwrites the old slot; moves along a chain are issued from its free end;
2. a new route appears with one write, the last command of its insert;
3. an update is a single \`update\` of the route's slot, so a lookup sees the old value or the
   new one;
4. a delete is a single \`delete\`; the route never hits after it. Stash entries that now fit in
   a way are moved there afterwards (written to the way, then deleted from the stash).

Placement in the hashed table: the manager looks for a free slot among the route's way slots,
then for the shortest chain of at most ${MAX_CUCKOO_MOVES} cuckoo moves (breadth-first), then
for a free stash slot. When none exists it throws \`TableFullError\` before issuing anything, so
the shadow copy and the hardware never diverge and no insert fails silently. Inserting a route
twice throws \`DuplicateRouteError\`; updating or deleting an unknown route throws
\`UnknownRouteError\`.

## Figures

\`npm run bench:cam\` synthesizes every style and size (yosys area, nextpnr fmax on ECP5-85),
fills each table until its first failed insert, runs long random soaks against the golden
models, and writes \`bench/results/cam.json\`, from which this table is printed. Lookups per
second are one per cycle times the placed-and-routed clock (target ${figures.targetMHz} MHz, speed grade 6,
seed 1); "full at" is the occupancy of the first insert the table manager refuses.

${table(['Style and size', 'LUT', 'FF', 'BRAM', 'fmax (MHz)', 'Latency', 'M lookups/s', 'Cycles per write', 'Full at'], figures.rows)}
${figures.notes.map((n) => `\n${n}`).join('')}
`;
}

interface BenchRow {
  label: string;
  style: string;
  capacity: number;
  latencyCycles?: number;
  ecp5?: { luts: number; ffs: number; brams: number; fmaxMHz?: number };
  ecp5PnrError?: string;
  lookupsPerSecond?: number;
  cyclesPerCommand?: { write: number };
  occupancyAtFirstFailedInsert?: number;
}

const BENCH = fileURLToPath(new URL('../../bench/results/cam.json', import.meta.url));
const STYLE_ORDER = ['register', 'bram', 'hash'];

/** The figures table from bench/results/cam.json: every placed (or unplaceable) design. */
function benchFigures(): { targetMHz: number; rows: string[][]; notes: string[] } {
  const bench = JSON.parse(readFileSync(BENCH, 'utf8')) as { targetMHz: number; results: BenchRow[] };
  const placed = bench.results.filter((r) => r.ecp5).sort((a, b) => STYLE_ORDER.indexOf(a.style) - STYLE_ORDER.indexOf(b.style) || b.capacity - a.capacity);
  const n = (v: number): string => v.toLocaleString('en-US');
  const notes: string[] = [];
  const rows = placed.map((r) => {
    const e = r.ecp5!;
    let fmax = e.fmaxMHz === undefined ? '-' : e.fmaxMHz.toFixed(1);
    if (r.ecp5PnrError) {
      notes.push(`${r.label}: ${r.ecp5PnrError.replace(/'/g, '')}.`);
      fmax = 'not placed';
    }
    return [
      r.label, n(e.luts), n(e.ffs), n(e.brams), fmax, `${r.latencyCycles ?? '-'}`,
      r.lookupsPerSecond ? (r.lookupsPerSecond / 1e6).toFixed(1) : '-', `${r.cyclesPerCommand?.write ?? '-'}`,
      r.occupancyAtFirstFailedInsert === undefined ? '-' : `${(r.occupancyAtFirstFailedInsert * 100).toFixed(1)} %`,
    ];
  });
  return { targetMHz: bench.targetMHz, rows, notes };
}
