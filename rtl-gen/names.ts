// What the parts of a generated module's name mean. Every generator names its module from
// its parameters (`chacha_pipe_r20_u5_s2_w128_k2_ietf` is the ChaCha packet cipher with 20
// rounds, 5 round units, ...); this legend explains each part, `npm run gen` prints it into
// rtl/README.md with every committed file spelled out, and a test fails when a committed
// name has a part the legend does not explain (so a new suffix comes with its meaning).

export interface NamePart {
  /** The part's text after the underscore: a letter before a number (`u5`) or a word (`ietf`). */
  readonly pattern: RegExp;
  /** How it reads in the legend, e.g. `u<n>`. */
  readonly shown: string;
  readonly means: string;
}

export interface NameFamily {
  /** Name prefix up to the first parameter part. */
  readonly prefix: string;
  readonly generator: string;
  readonly what: string;
  readonly parts: readonly NamePart[];
}

const num = (letter: string, means: string, suffix = ''): NamePart => ({
  pattern: new RegExp(`^${letter}\\d+${suffix}$`),
  shown: `${letter}<n>${suffix}`,
  means,
});
const word = (w: string, means: string): NamePart => ({ pattern: new RegExp(`^${w}$`), shown: w, means });

const ROUNDS = num('r', 'ChaCha rounds (20, 12 or 8)');
const UNITS = num('u', 'round units in the ring (U; U = R is a straight pipeline)');
const STAGES = num('s', 'register stages per round (1, 2 or 4; 0 for a combinational quarter round)');
const WIDTH = num('w', 'data width in bits');
const SLOTS = num('k', 'key slots');
const IETF = word('ietf', 'RFC 8439 layout: 32-bit block counter, 96-bit nonce');
const ORIG = word('orig', 'original ChaCha layout: 64-bit counter, 64-bit nonce');
const NO_ENTRY = word('ne', 'no ring entry register (entryReg off)');
const CARRY = word('cc', "XORs folded into ECP5 carry chains (adders: 'ecp5')");
const RAMS = ['lut', 'logic', 'block', 'ecp5'];

export const NAME_FAMILIES: readonly NameFamily[] = [
  { prefix: 'chacha_qr', generator: 'rtl-gen/chacha/quarter-round.ts', what: 'ChaCha quarter round', parts: [STAGES] },
  {
    prefix: 'chacha_round', generator: 'rtl-gen/chacha/round.ts', what: 'round unit: four quarter rounds and the row wiring',
    parts: [STAGES, num('m', 'metadata bits carried beside the state'), num('t', 'low metadata bits brought out at every stage'),
      num('n', 'low metadata bits brought out as meta_next'), num('d', 'metadata bits meta_out leaves out'), CARRY],
  },
  {
    prefix: 'chacha_ks', generator: 'rtl-gen/chacha/keystream.ts', what: 'keystream engine: a ring of round units and the key RAM',
    parts: [ROUNDS, UNITS, STAGES, SLOTS, IETF, ORIG, NO_ENTRY, CARRY,
      { pattern: /^ctx(lut|ecp5|block)$/, shown: 'ctx<ram>', means: 'counter and nonce wait beside a straight pipeline in a delay line of this RAM kind' }],
  },
  {
    prefix: 'chacha_pipe', generator: 'rtl-gen/chacha/pipeline.ts', what: 'AXI-Stream ChaCha20 packet cipher',
    parts: [ROUNDS, UNITS, STAGES, WIDTH, SLOTS, IETF, ORIG, word('bram', 'delay line and output FIFO in inferred block RAM (iCE40)'),
      word('ecp5', 'delay line and output FIFO on ECP5 DP16KD tiles with the output register'), word('logic', 'FIFOs in flip-flops'),
      word('g', 'output FIFO gathered into one head (outGather)'), NO_ENTRY, CARRY],
  },
  { prefix: 'chacha_block_iter', generator: 'rtl-gen/chacha/block-iterative.ts', what: 'iterative ChaCha block function (one quarter-round column per cycle)', parts: [ROUNDS] },
  {
    prefix: 'fifo', generator: 'rtl-gen/lib/fifo.ts', what: 'first-word-fall-through FIFO',
    parts: [WIDTH, num('d', 'depth in words'), ...RAMS.filter((r) => r !== 'block').map((r) => word(r, `memory: ${r === 'lut' ? 'LUT RAM' : r === 'logic' ? 'flip-flops' : 'ECP5 DP16KD tiles'} (no part: inferred block RAM)`)),
      word('lvl', 'fill level output'), word('cr', 'credited writer: a write needs no handshake'), word('wr', 'registered write side'),
      word('os', 'register slice after the head'),
      { pattern: /^l\d+v?$/, shown: 'l<n>[v]', means: 'n lanes side by side, each with its own pointers; v: a valid bit per lane' }],
  },
  { prefix: 'tile_fifo', generator: 'rtl-gen/lib/tile-fifo.ts', what: 'FIFO over ECP5 tiles with one read-ahead controller (the gathered output FIFO)', parts: [WIDTH, num('d', 'depth in words')] },
  {
    prefix: 'delay', generator: 'rtl-gen/lib/delay-line.ts', what: 'fixed delay line (RAM written every cycle at a free-running pointer)',
    parts: [WIDTH, num('c', 'delay in cycles'), ...RAMS.map((r) => word(r, `memory kind: ${r}`))],
  },
  { prefix: 'reg_slice', generator: 'rtl-gen/lib/register-slice.ts', what: 'valid/ready register slice', parts: [WIDTH] },
  { prefix: 'uart_tx', generator: 'rtl-gen/lib/uart-tx.ts', what: 'UART transmitter, 8N1', parts: [num('c', 'clock cycles per bit')] },
  {
    prefix: 'route_cam_reg', generator: 'rtl-gen/cam/register-cam.ts', what: 'route-ID CAM in flip-flops',
    parts: [num('e', 'entries'), num('k', 'key (route ID) bits'), num('v', 'value bits')],
  },
  {
    prefix: 'route_cam_bram', generator: 'rtl-gen/cam/bram-cam.ts', what: 'transposed block-RAM route-ID CAM',
    parts: [num('e', 'entries'), num('s', 'key bits per slice (each slice addresses a RAM of match bitmaps)'), num('k', 'key bits'), num('v', 'value bits')],
  },
  {
    prefix: 'route_cam_hash', generator: 'rtl-gen/cam/hash-cam.ts', what: 'hashed (cuckoo) exact-match route table',
    parts: [num('e', 'entries'), num('w', 'ways (block RAMs, one H3 hash each)'), num('s', 'stash entries (registers)'), num('k', 'key bits'), num('v', 'value bits'),
      word('inferred', 'plain Verilog memories instead of ECP5 DP16KD tiles')],
  },
  {
    prefix: 'poly1305', generator: 'rtl-gen/poly1305/core.ts', what: 'Poly1305 core: a ring of message slots through one multiply-reduce pipeline',
    parts: [num('l', 'lanes: 16-byte blocks per pass'), word('dsp', 'limb products on ECP5 MULT18X18D'), word('fab', 'limb products in LUTs and carry chains'),
      num('m', 'register stages of the limb products'), num('r', 'register stages of the reduction'), num('q', 'words in each slot\'s queue'),
      ...['lut', 'block', 'ecp5'].map((r) => word(r, `slot queues in ${r === 'lut' ? 'LUT RAM' : r === 'block' ? 'inferred block RAM' : 'ECP5 DP16KD tiles'}`)),
      num('s', 'bits of the message sequence number')],
  },
  {
    prefix: 'poly1305_mul', generator: 'rtl-gen/poly1305/multiply.ts', what: 'Poly1305 multiply-and-reduce pipeline (lazy 17-bit limbs)',
    parts: [num('l', 'lanes'), word('dsp', 'limb products on ECP5 MULT18X18D'), word('fab', 'limb products in LUTs and carry chains'),
      num('m', 'register stages of the limb products'), num('r', 'register stages of the reduction'), num('w', 'metadata bits riding beside'),
      { pattern: /^t\d+x\d+$/, shown: 't<n>x<b>', means: 'meta_tap: b low metadata bits, n cycles ahead of meta' }],
  },
  { prefix: 'poly1305_final', generator: 'rtl-gen/poly1305/finalize.ts', what: 'Poly1305 full reduction, + s, constant-time tag comparison', parts: [num('q', 'bits of the message sequence number')] },
  {
    prefix: 'aead', generator: 'rtl-gen/aead/engine.ts', what: 'ChaCha20-Poly1305 packet engine (AXI-Stream, seal and open)',
    parts: [WIDTH, UNITS, STAGES, SLOTS, num('l', 'Poly1305 lanes'), word('dsp', 'Poly1305 on ECP5 MULT18X18D'), word('fab', 'Poly1305 multipliers in fabric'),
      num('m', 'Poly1305 product stages'), num('r', 'Poly1305 reduction stages'),
      { pattern: /^q\d+(lut|bram|ecp5)$/, shown: 'q<n><ram>', means: 'Poly1305 slot queues of n words in this RAM kind' },
      { pattern: /^o\d+(lut|bram|ecp5)$/, shown: 'o<n><ram>', means: 'output FIFO of n words, and the delay line, in this RAM kind' },
      num('t', 'bits of the tag numbers (2^t packets in flight)'), CARRY],
  },
  { prefix: 'aead_seg', generator: 'rtl-gen/aead/segmenter.ts', what: 'AEAD input stage: AAD, TEXT and END segments from byte lane 0', parts: [WIDTH, SLOTS] },
  { prefix: 'aead_pack', generator: 'rtl-gen/aead/packer.ts', what: 'AEAD output stage: segments joined, tag appended, verdict on the last beat', parts: [WIDTH] },
  { prefix: 'ecp5_mul18x18', generator: 'rtl-gen/vendor/ecp5-mult.ts', what: 'unsigned 18 x 18 multiplier: one ECP5 MULT18X18D, registers off', parts: [] },
  { prefix: 'ecp5_ram', generator: 'rtl-gen/vendor/ecp5.ts', what: 'RAM built of ECP5 DP16KD tiles', parts: [num('a', 'address bits'), num('d', 'data bits'), word('outreg', "the tile's output register on")] },
  { prefix: 'ecp5_xor_add', generator: 'rtl-gen/vendor/ecp5.ts', what: 'x + (p ^ q) on one ECP5 carry chain (CCU2C)', parts: [WIDTH] },
  { prefix: 'fp_top', generator: 'rtl-gen/forwarding/top.ts', what: 'the forwarding plane as a device: CSR block, plane, host-port mailbox', parts: [num('p', 'network ports'), num('n', 'peers'), num('r', 'route-table slots in the ways')] },
  { prefix: 'fp_plane', generator: 'rtl-gen/forwarding/plane.ts', what: 'the forwarding plane: ports, pipelines, route table, replay windows, key engine, counters, host port', parts: [num('p', 'network ports'), num('n', 'peers'), num('r', 'route-table slots in the ways')] },
  { prefix: 'fp_pipeline', generator: 'rtl-gen/forwarding/pipeline.ts', what: 'forwarding pipeline of one port: dispatch, open, decide, read out, seal, egress headers', parts: [num('n', 'peers'), num('p', 'network ports'), num('b', 'plaintext buffer beats')] },
  { prefix: 'fp_ingress', generator: 'rtl-gen/forwarding/ingress.ts', what: 'ingress parser: Ethernet, IPv4, UDP, peer and link header checks, whole-frame buffer', parts: [num('n', 'peers'), num('q', 'frame buffer beats')] },
  { prefix: 'replay', generator: 'rtl-gen/forwarding/replay.ts', what: 'RFC 6479 replay windows of every receive key slot', parts: [num('n', 'windows'), num('r', 'requesters'), word('ecp5', 'bitmap RAM on ECP5 DP16KD tiles')] },
  { prefix: 'counters', generator: 'rtl-gen/forwarding/counters.ts', what: 'traffic counter bank (frames, bytes) with read-and-clear', parts: [num('e', 'counters'), num('i', 'increment ports')] },
  { prefix: 'host_mailbox', generator: 'rtl-gen/forwarding/mailbox.ts', what: 'host port as a register mailbox (frame buffers each way)', parts: [num('q', 'beats of each buffer')] },
  { prefix: 'frame_fifo', generator: 'rtl-gen/lib/frame-fifo.ts', what: 'frame FIFO that never stalls its writer: whole frames or none', parts: [WIDTH, num('d', 'depth in beats')] },
  { prefix: 'fp_csr', generator: 'rtl-gen/regmap/csr.ts', what: "the forwarding plane's CSR block: a Wishbone slave printed from the register map (spec/forwarding/registers.ts)", parts: [num('p', 'network ports'), num('n', 'peers')] },
  {
    prefix: 'selftest', generator: 'rtl-gen/board/selftest.ts', what: 'board self-test top: RFC 8439 known answer, then a throughput count on the UART',
    parts: [UNITS, STAGES, WIDTH, num('c', 'UART clock cycles per bit'), num('n', 'throughput window: 2^n cycles'), word('bram', 'FIFOs in inferred block RAM'),
      NO_ENTRY, word('al', 'LEDs active low'), word('corrupt', 'one expected bit flipped (proves the check can fail)')],
  },
];

/** The family of a module name (longest prefix) and the meaning of each of its parts; throws naming an unexplained part. */
export function explainName(name: string): { family: NameFamily; parts: { text: string; means: string }[] } {
  const family = [...NAME_FAMILIES].sort((a, b) => b.prefix.length - a.prefix.length).find((f) => name === f.prefix || name.startsWith(`${f.prefix}_`));
  if (!family) throw new Error(`module name ${name}: no family in rtl-gen/names.ts has its prefix`);
  const tokens = name === family.prefix ? [] : name.slice(family.prefix.length + 1).split('_');
  const parts = tokens.map((text) => {
    const p = family.parts.find((x) => x.pattern.test(text));
    if (!p) throw new Error(`module name ${name}: part "${text}" is not in the legend of ${family.prefix} (rtl-gen/names.ts)`);
    return { text, means: p.means };
  });
  return { family, parts };
}

/** rtl/README.md: the legend, then every committed file with its name read out. */
export function rtlReadme(fileNames: readonly string[]): string {
  const lines = [
    '# rtl/: generated Verilog',
    '',
    'Printed by `npm run gen` from the generators in `rtl-gen/`; never edit by hand (a test fails when',
    'a file here differs from what its generator prints). Each file is one module, named by its',
    'generator from its parameters. This page, also generated (from `rtl-gen/names.ts`), reads the names.',
    '',
    '## Name parts',
    '',
  ];
  for (const f of NAME_FAMILIES) {
    lines.push(`**\`${f.prefix}\`**: ${f.what} (\`${f.generator}\`)`, '');
    for (const p of f.parts) lines.push(`- \`${p.shown}\`: ${p.means}`);
    lines.push('');
  }
  lines.push('## Files', '', '| file | what | parameters |', '|---|---|---|');
  for (const n of [...fileNames].filter((f) => f.endsWith('.v')).sort()) {
    const { family, parts } = explainName(n.replace(/\.v$/, ''));
    lines.push(`| \`${n}\` | ${family.what} | ${parts.map((p) => `\`${p.text}\` ${p.means}`).join('; ') || '-'} |`);
  }
  return `${lines.join('\n')}\n`;
}
