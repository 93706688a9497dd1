// The ChaCha20-Poly1305 packet engine (RFC 8439 2.8): AXI-Stream packets in, sealed or
// opened packets out, the link layer's own frames (docs/protocol.md, "Transport frame")
// among them.
//
//   s_axis ─ segmenter ─┬─ accept ─ delay line ─┬─ XOR ─ tail ─┬─ output FIFO ─ packer ─ m_axis
//                       │          keystream ───┘              ├─ Poly1305 core ─ tag buffer ─┘
//                       └ credits: output FIFO, Poly1305 queues, tag numbers
//
// - The first beat's tuser (spec/aead-stream.ts) gives the key slot, seal or open, the AAD
//   length, the frame counter and the nonce's fixed field: nonce = LE32(fixed) ‖ LE64(counter)
//   (fixed = 0 for link frames).
// - The segmenter (segmenter.ts) cuts each packet into AAD, TEXT and END beats, each
//   segment from byte lane 0. A beat is accepted only against credits: a free place in the
//   output FIFO, room in its packet's Poly1305 queue, a free tag number on a first beat, and,
//   when it starts a 64-byte keystream block, a free slot in the keystream engine's ring
//   (rtl-gen/chacha/keystream.ts; block 0 on a packet's first beat gives the Poly1305 key,
//   blocks 1.. the cipher). From there nothing stalls: beats wait in a delay line exactly as
//   long as their block takes, meet it, and TEXT beats are XORed with it.
// - The tail (tail.ts) trims the tag from opened packets, feeds the Poly1305 core
//   (rtl-gen/poly1305/core.ts: the key word, the padded AAD and ciphertext, the lengths
//   block) and writes AAD and text to the output FIFO. Packets go to the core's slots in
//   turn, so many packets are in its ring at once.
// - The packer (packer.ts) joins the segments again, appends the tag on seal, and holds each
//   packet's last beat until the packet's Poly1305 result is in: m_axis_tuser[OUT_OK] on
//   that beat is the verdict (open: the tag verified; a comparison of all 128 bits at once).
//
// Keys: key_wr_* writes one 32-bit word of a key slot, as on the ChaCha pipeline. Keys
// apply per packet: a word applies to exactly the packets whose first beat is accepted on
// s_axis after its handshake (a word taken at the same edge as a first beat is not that
// packet's), and every block of a packet uses the key its first beat saw. The segmenter
// holds a first beat for a cycle or more before its block-0 request, so a word waits in a
// register of its own while a first beat is there, and goes into the keystream engine
// (whose words wait for the open packet of their slot) only when the packets that engine
// has seen are exactly those s_axis has taken. A slot can be rewritten under traffic.

import { GenError } from '../ir/errors.ts';
import { type Expr, add, and, compare, concat, constant, eq, mux, not, or, sub, xor, zext } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module, type RegHandle } from '../ir/module.ts';
import { intRange, oneOf, powerOfTwo } from '../ir/params.ts';
import { delayLine } from '../lib/delay-line.ts';
import { fifo } from '../lib/fifo.ts';
import { engineLatency, keystreamEngine } from '../chacha/keystream.ts';
import { POLY1305_PARAMS, poly1305, poly1305Slots, slotBits } from '../poly1305/core.ts';
import { AEAD_OUT_USER_BITS, aeadFormat } from '../../spec/aead-stream.ts';
import { countWidth } from './bytes.ts';
import { aeadPacker } from './packer.ts';
import { KIND_TEXT, aeadSegmenter } from './segmenter.ts';
import { aeadTail, fifoEntryWidth } from './tail.ts';

export const AEAD_PARAMS = {
  width: oneOf<number>('packet stream width in bits', 128, [64, 128, 256, 512]),
  units: oneOf<number>('ChaCha20 round units in the keystream ring (a divisor of 20)', 5, [1, 2, 4, 5, 10, 20]),
  stages: oneOf<number>('register stages per ChaCha20 round unit', 4, [1, 2, 4]),
  keySlots: powerOfTwo('key slots', 4, 2, 256),
  adders: oneOf<string>('ChaCha20 adders: fabric, or ecp5 (XORs folded into ECP5 carry chains)', 'fabric', ['fabric', 'ecp5']),
  fifoRam: oneOf<string>('memory of the delay line and the output FIFO: lut, block (inferred) or ecp5 (DP16KD tiles)', 'lut', ['lut', 'block', 'ecp5']),
  outDepth: powerOfTwo('output FIFO words (it holds packets while their Poly1305 results are made)', 256, 16, 4096),
  ...POLY1305_PARAMS,
};

export interface AeadShape {
  width: number;
  units: number;
  stages: number;
}

/** Cycles a beat spends between its acceptance and the XOR register. */
export function aeadDelay(c: AeadShape): number {
  return engineLatency(20, c.units, c.stages) + (c.width < 512 ? 1 : 0);
}

export const aeadEngine = defineGenerator('aead/engine', '1.0.0', AEAD_PARAMS, (p, info) => {
  const W = p.width;
  const B = W / 8;
  const cw = countWidth(B);
  const U = p.units;
  const fmt = aeadFormat(p.keySlots);
  const ks = fmt.slotBits;
  const beatsPerBlock = 64 / B;
  const bb = Math.log2(beatsPerBlock);
  const d = poly1305Slots(p);
  const ps = slotBits(d);
  const sq = p.seqBits;
  const T = 1 << sq;
  const Q = p.queueWords;
  if (W > 128 * p.lanes) throw new GenError(`aead/engine: parameter "lanes" is ${p.lanes}; a ${W}-bit beat carries ${W / 128} Poly1305 blocks, so lanes must be at least ${W / 128}`);
  const ram = p.fifoRam;
  const delay = aeadDelay(p);
  const ramTag = (r: string) => (r === 'block' ? 'bram' : r);
  const m = new Module(
    `aead_w${W}_u${U}_s${p.stages}_k${p.keySlots}_l${p.lanes}_${p.multiplier === 'ecp5' ? 'dsp' : 'fab'}_m${p.mulStages}_r${p.reduceStages}` +
      `_q${Q}${ramTag(p.queueRam)}_o${p.outDepth}${ramTag(ram)}_t${sq}${p.adders === 'ecp5' ? '_cc' : ''}`,
    info,
  );
  m.describe(
    `ChaCha20-Poly1305 packet engine (RFC 8439 2.8), ${W}-bit AXI-Stream: ChaCha20 on ${U} round unit(s) x ${p.stages} stage(s), Poly1305 on`,
    `${p.lanes} lane(s) of ${p.multiplier === 'ecp5' ? 'ECP5 MULT18X18D' : 'fabric'} multipliers in a ring of ${d} slots.`,
    `s_axis_tuser (first beat): nonce fixed field [${fmt.fixedLo + 31}:${fmt.fixedLo}], frame counter [${fmt.counterLo + 63}:${fmt.counterLo}], AAD bytes [${fmt.aadLo + 15}:${fmt.aadLo}],`,
    `open [${fmt.opLo}], key slot [${ks - 1}:0]; nonce = LE32(fixed) || LE64(counter) (fixed = 0 for link frames).`,
    'Seal: AAD || plaintext in, AAD || ciphertext || tag out. Open: AAD || ciphertext || tag in, AAD || plaintext out.',
    'On a packet\'s last beat m_axis_tuser[0] = good (open: the tag verified), [1] = malformed. A consumer keeps a packet only if [0] is 1',
    'on its last beat (spec/aead-stream.ts). Keys apply per packet, as on the ChaCha pipeline.',
  );
  m.clock();
  m.reset();
  const kwIn = {
    valid: m.input('key_wr_valid', 1, 'key RAM write: one 32-bit word'),
    slot: m.input('key_wr_slot', ks),
    word: m.input('key_wr_word', 3, '0 = key bytes 0-3 ... 7 = bytes 28-31'),
    data: m.input('key_wr_data', 32, 'key bytes, the lowest-numbered in bits 7:0'),
  };
  const sIn = {
    tdata: m.input('s_axis_tdata', W), tkeep: m.input('s_axis_tkeep', B), tvalid: m.input('s_axis_tvalid', 1),
    tlast: m.input('s_axis_tlast', 1), tuser: m.input('s_axis_tuser', fmt.width, 'context, on a packet\'s first beat'),
  };
  const mReady = m.input('m_axis_tready', 1);

  // ---- segments and the input's credits ------------------------------------------------------------
  const segReady = m.wire('seg_ready', 1);
  const seg = m.instance(aeadSegmenter({ width: W, keySlots: p.keySlots }), 'seg', {
    s_axis_tdata: sIn.tdata, s_axis_tkeep: sIn.tkeep, s_axis_tvalid: sIn.tvalid, s_axis_tlast: sIn.tlast, s_axis_tuser: sIn.tuser, out_ready: segReady,
  });
  const first = m.named(seg.out_first!, 'in_first');
  const isText = m.wire('in_text', eq(seg.out_kind!, constant(KIND_TEXT, 2)));
  const textBeat = bb ? m.reg('text_beat_reg', bb, { reset: 0, doc: 'the text beat\'s place in its 64-byte keystream block' }) : undefined;
  const startsBlock = m.wire('in_starts_block', or(first, and(isText, textBeat ? eq(textBeat, constant(0, bb)) : constant(1, 1))));

  const outFree = m.reg('out_free_reg', Math.log2(p.outDepth) + 1, { reset: p.outDepth - 2, doc: 'output FIFO places not promised to a beat' });
  const outOk = m.reg('out_ok_reg', 1, { reset: 1 });
  const inSlot = m.reg('in_slot_reg', ps, { reset: 0, doc: 'the Poly1305 slot of the packet coming in' });
  const qc = Math.log2(Q) + 2;
  const polyCount: RegHandle[] = [];
  const polyRoom: RegHandle[] = [];
  for (let s = 0; s < d; s++) {
    polyCount.push(m.reg(`poly_credit${s}_reg`, qc, { reset: 0, doc: `words promised in Poly1305 slot ${s}'s queue` }));
    polyRoom.push(m.reg(`poly_room${s}_reg`, 1, { reset: 1 }));
  }
  const pickSlot = (items: Expr[], idx: Expr): Expr => items.slice(1).reduce((acc, it, i) => mux(eq(idx, constant(i + 1, ps)), it, acc), items[0]!);
  const inflight = m.reg('inflight_reg', sq + 1, { reset: 0, doc: 'packets accepted whose last beat has not gone out' });
  const seqOk = m.reg('seq_ok_reg', 1, { reset: 1 });

  const engineReqOk = m.wire('block_ok', 1);
  const accept = m.wire('in_fire', and(seg.out_valid!, and(outOk, and(pickSlot(polyRoom, inSlot), and(or(not(startsBlock), engineReqOk), or(not(first), seqOk))))));
  m.assign(segReady, accept);

  // ---- the keystream requests: block 0 on the first beat, then one per 64 text bytes ----------------
  const inPacket = m.reg('in_packet_reg', 1, { reset: 0, doc: 'a packet\'s first beat has made its request and its last beat is not in' });
  const firstWaits = m.reg('first_waits_reg', 1, { reset: 0, doc: 'the segmenter holds a first beat s_axis has taken and the engine has not' });
  firstWaits.set(mux(seg.in_start!, constant(1, 1), mux(and(accept, first), constant(0, 1), firstWaits)));
  // A key word waits here while a first beat does (see the header); the key path has no
  // reset, like the keystream engine's: a word taken before a reset still goes in.
  const kwHeld = m.reg('kw_held_reg', 1, { doc: 'a key word is taken and not yet passed on' });
  const kwSlot = m.reg('kw_slot_reg', ks);
  const kwWord = m.reg('kw_word_reg', 3);
  const kwData = m.reg('kw_data_reg', 32);
  const kwEngineReady = m.wire('kw_engine_ready', 1);
  // Ready only when the keystream engine is: a word never waits here for the engine, so no
  // packet taken after its handshake is made without it.
  const kwReady = m.wire('kw_ready', and(not(kwHeld), kwEngineReady));
  const kwTake = m.wire('kw_take', and(kwIn.valid, kwReady));
  kwSlot.set(kwIn.slot, kwTake);
  kwWord.set(kwIn.word, kwTake);
  kwData.set(kwIn.data, kwTake);
  const kwPass = m.wire('kw_pass', and(kwHeld, not(firstWaits)));
  kwHeld.set(or(kwTake, and(kwHeld, not(and(kwPass, kwEngineReady)))));
  const blockCtr = m.reg('block_counter_reg', 32, { doc: 'the next text block\'s ChaCha20 counter' });
  const isLast = m.named(seg.out_last!, 'in_last');
  const inPacketNext = m.wire('in_packet_next', mux(and(accept, isLast), constant(0, 1), mux(and(accept, first), constant(1, 1), inPacket)));
  inPacket.set(inPacketNext);
  blockCtr.set(mux(first, constant(1, 32), add(blockCtr, constant(1, 32))), and(accept, or(first, and(isText, startsBlock))));
  textBeat?.set(mux(first, constant(0, bb), add(textBeat, constant(1, bb))), and(accept, or(first, isText)));
  const engine = m.instance(keystreamEngine({ rounds: 20, units: U, stages: p.stages, keySlots: p.keySlots, layout: 'ietf', entryReg: true, adders: p.adders, ctxRam: U === 20 ? ram : 'ring' }), 'ks', {
    key_wr_valid: kwPass, key_wr_slot: kwSlot, key_wr_word: kwWord, key_wr_data: kwData,
    req_valid: and(accept, startsBlock),
    req_slot: seg.out_slot!,
    req_counter: mux(first, constant(0, 32), blockCtr),
    req_nonce: concat(seg.out_counter!, seg.out_fixed!),
    // Key words of the open packet's slot wait for it to end: the packet state after this
    // edge. Its slot is seg.out_slot: the segmenter takes no new first beat while a packet
    // stays open (its one output register holds that packet's beats until the last is taken).
    pkt_open_next: inPacketNext,
    pkt_slot_next: seg.out_slot!,
  }, { unused: B < 64 ? [] : ['ks_valid'] });
  m.assign(engineReqOk, engine.req_ok!);
  m.assign(kwEngineReady, engine.key_wr_ready!);

  // ---- the beats wait for their blocks -------------------------------------------------------------------
  // {open, block beat, first, seg_last, short, kind, count, data}
  const wordWidth = 1 + bb + 1 + 1 + 1 + 2 + cw + W;
  const delayed = m.instance(delayLine({ width: wordWidth, delay, ram }), 'beat_delay', {
    d_valid: accept,
    d: concat(seg.out_op!, ...(textBeat ? [textBeat] : []), first, seg.out_seg_last!, seg.out_short!, seg.out_kind!, seg.out_count!, seg.out_data!),
  });
  const dq = m.named(delayed.q!, 'delayed_beat');
  const f = (hi: number, lo: number, name: string) => m.slice(dq, hi, lo, name);
  const dData = f(W - 1, 0, 'd_data');
  const dCount = f(W + cw - 1, W, 'd_count');
  const dKind = f(W + cw + 1, W + cw, 'd_kind');
  const dShort = f(W + cw + 2, W + cw + 2, 'd_short');
  const dSegLast = f(W + cw + 3, W + cw + 3, 'd_seg_last');
  const dFirst = f(W + cw + 4, W + cw + 4, 'd_first');
  const dBeat = bb ? f(W + cw + 4 + bb, W + cw + 5, 'd_block_beat') : undefined;
  const dOpen = f(wordWidth - 1, wordWidth - 1, 'd_open');
  let block: Expr = engine.ks_data!;
  if (B < 64) {
    // A block stays until the next one arrives: by then its beats have all passed.
    const held = m.reg('ks_block_reg', 512, { doc: 'the latest keystream block' });
    held.set(engine.ks_data!, engine.ks_valid!);
    block = held;
  }
  const ksWords = m.words(block, beatsPerBlock, 'ks_block');
  let slice: Expr = ksWords[0]!;
  for (let i = 1; i < beatsPerBlock; i++) slice = mux(eq(dBeat!, constant(i, bb)), ksWords[i]!, slice);
  const dText = m.wire('d_text', eq(dKind, constant(KIND_TEXT, 2)));
  const xValid = m.reg('x_valid_reg', 1, { reset: 0 });
  const xOut = m.reg('x_out_reg', W, { doc: 'text XORed with keystream; AAD as it came' });
  const xRaw = m.reg('x_raw_reg', W);
  const xCount = m.reg('x_count_reg', cw);
  const xKind = m.reg('x_kind_reg', 2);
  const xSegLast = m.reg('x_seg_last_reg', 1);
  const xFirst = m.reg('x_first_reg', 1);
  const xShort = m.reg('x_short_reg', 1);
  const xOpen = m.reg('x_open_reg', 1);
  const xKey = m.reg('x_key_reg', 256, { doc: 'ChaCha20 block 0 of the packet: the Poly1305 key' });
  xValid.set(delayed.q_valid!);
  xOut.set(mux(dText, xor(dData, m.named(slice, 'ks_slice')), dData));
  xRaw.set(dData);
  xCount.set(dCount);
  xKind.set(dKind);
  xSegLast.set(dSegLast);
  xFirst.set(and(delayed.q_valid!, dFirst));
  xShort.set(dShort);
  xOpen.set(dOpen);
  xKey.set(m.slice(block, 255, 0), dFirst);
  if (B >= 64) m.unread('ks_block_upper', m.slice(block, 511, 256));

  // ---- tail, Poly1305, output FIFO, tag buffer, packer ------------------------------------------------
  const tail = aeadTail(m, { width: W, lanes: p.lanes, seqBits: sq, slots: d }, {
    valid: xValid, out: xOut, raw: xRaw, count: xCount, kind: xKind, segLast: xSegLast, first: xFirst, short: xShort, open: xOpen, key: xKey,
  });
  const poly = m.instance(poly1305({ lanes: p.lanes, multiplier: p.multiplier, mulStages: p.mulStages, reduceStages: p.reduceStages, queueWords: Q, queueRam: p.queueRam, seqBits: sq }), 'poly', {
    wr_valid: tail.poly.valid, wr_slot: tail.poly.slot, wr_key: tail.poly.key, wr_data: tail.poly.data, wr_count: tail.poly.count,
    wr_tail: constant(16, 5), wr_last: tail.poly.last, wr_seq: tail.poly.seq, wr_s: tail.poly.s,
    exp_valid: tail.exp.valid, exp_seq: tail.exp.seq, exp_tag: tail.exp.tag,
  });
  const packReady = m.wire('pack_ready', 1);
  const out = m.instance(fifo({ width: fifoEntryWidth(W), depth: p.outDepth, ram, credited: true, outSlice: true }), 'out_fifo', {
    s_valid: tail.fifo.valid, s_data: tail.fifo.data, m_ready: packReady,
  }, { unused: ['s_ready'] });
  const head = m.named(out.m_data!, 'out_head');

  const tagRam = m.memory('tag_ram', 129, T, 'each packet\'s Poly1305 result: {tag matches, tag}', { style: 'distributed' });
  tagRam.write(poly.tag_valid!, poly.tag_seq!, concat(poly.tag_match!, poly.tag_data!));
  const outSeq = m.reg('out_seq_reg', sq, { reset: 0, doc: 'tag number of the packet being joined' });
  const tagIn = m.reg('tag_in_reg', T, { reset: 0, doc: 'bit q: the result of packet q is in' });
  const tagReady = m.reg('tag_ready_reg', 1, { reset: 0, doc: 'tag_in_reg[out_seq_reg]' });
  const tagRd = m.named(tagRam.readAsync('tag_rd', outSeq), 'tag_now');
  const pk = m.instance(aeadPacker({ width: W }), 'pack', {
    in_valid: out.m_valid!,
    in_data: m.slice(head, W - 1, 0),
    in_count: m.slice(head, W + cw - 1, W),
    in_text_last: m.slice(head, W + cw, W + cw),
    in_open: m.slice(head, W + cw + 1, W + cw + 1),
    in_malformed: m.slice(head, W + cw + 2, W + cw + 2),
    tag_valid: tagReady,
    tag_data: m.slice(tagRd, 127, 0),
    tag_match: m.slice(tagRd, 128, 128),
    m_axis_tready: mReady,
  });
  m.assign(packReady, pk.in_ready!);
  const taken = m.named(pk.tag_take!, 'packet_out');
  // A packet's result bit is cleared the cycle after its last beat (from registers); its
  // number comes round again only after 2^t more packets.
  const takenR = m.reg('packet_out_reg', 1, { reset: 0 });
  const takenSeq = m.reg('packet_out_seq_reg', sq);
  takenR.set(taken);
  takenSeq.set(outSeq);
  const outSeqNext = m.named(mux(taken, add(outSeq, constant(1, sq)), outSeq), 'out_seq_next');
  outSeq.set(outSeqNext);
  const tagInNext = m.named(concat(...Array.from({ length: T }, (_, q) =>
    or(and(poly.tag_valid!, eq(poly.tag_seq!, constant(q, sq))), and(m.slice(tagIn, q, q), not(and(takenR, eq(takenSeq, constant(q, sq))))))).reverse()), 'tag_in_next');
  tagIn.set(tagInNext);
  tagReady.set(bitOf(m, tagInNext, outSeqNext, sq));

  // ---- credits ---------------------------------------------------------------------------------------
  // Every count moves by events a cycle old (registers), so no handshake reaches its adder;
  // the flags keep room for what they have not seen yet (the last cycle's and this cycle's beats).
  const acceptR = m.reg('in_fire_reg', 1, { reset: 0 });
  const firstR = m.reg('in_fire_first_reg', 1, { reset: 0 });
  const slotR = m.reg('in_fire_slot_reg', ps);
  acceptR.set(accept);
  firstR.set(and(accept, first));
  slotR.set(inSlot);
  // Output FIFO: a place per accepted beat; back as the packer takes an entry or the tail
  // writes nothing for a beat.
  const ow = Math.log2(p.outDepth) + 1;
  const packPopR = m.reg('pack_pop_reg', 1, { reset: 0 });
  packPopR.set(pk.in_ready!);
  const outNext = m.named(add(sub(outFree, zext(acceptR, ow)), add(zext(tail.outReturns, ow), zext(packPopR, ow))), 'out_free_next');
  outFree.set(outNext);
  outOk.set(compare('ge', outNext, constant(3, ow)));
  // Poly1305 queues: a word per accepted beat (two for a first beat, the key word too); back
  // as the core takes a word or the tail writes none for a beat.
  for (let s = 0; s < d; s++) {
    const here = (idx: Expr) => eq(idx, constant(s, ps));
    const inc = mux(and(acceptR, here(slotR)), mux(firstR, constant(2, qc), constant(1, qc)), constant(0, qc));
    const rel = mux(here(tail.polyReleaseSlot), zext(tail.polyReleases, qc), constant(0, qc));
    const tk = zext(and(poly.taken_valid!, here(poly.taken_slot!)), qc);
    const next = m.named(sub(add(polyCount[s]!, inc), add(rel, tk)), `poly_credit${s}_next`);
    polyCount[s]!.set(next);
    polyRoom[s]!.set(compare('le', next, constant(Q - 5, qc)));
  }
  inSlot.set(mux(eq(inSlot, constant(d - 1, ps)), constant(0, ps), add(inSlot, constant(1, ps))), and(accept, isLast));
  const inflightNext = m.named(sub(add(inflight, zext(firstR, sq + 1)), zext(takenR, sq + 1)), 'inflight_next');
  inflight.set(inflightNext);
  seqOk.set(compare('le', inflightNext, constant(T - 3, sq + 1)));

  const pkOut = {
    tdata: pk.m_axis_tdata!, tkeep: pk.m_axis_tkeep!, tvalid: pk.m_axis_tvalid!, tlast: pk.m_axis_tlast!, tuser: pk.m_axis_tuser!,
  };
  m.output('s_axis_tready', 1).drive(seg.s_axis_tready!);
  m.output('m_axis_tdata', W).drive(pkOut.tdata);
  m.output('m_axis_tkeep', B).drive(pkOut.tkeep);
  m.output('m_axis_tvalid', 1).drive(pkOut.tvalid);
  m.output('m_axis_tlast', 1).drive(pkOut.tlast);
  m.output('m_axis_tuser', AEAD_OUT_USER_BITS, 'on the last beat: bit 0 good, bit 1 malformed').drive(pkOut.tuser);
  m.output('key_wr_ready', 1, 'a key word is taken when key_wr_valid is 1 too').drive(kwReady);
  m.output('status_error', 1, 'sticky: a Poly1305 queue or the keystream ring was misused (a bug)').drive(or(poly.status_error!, engine.status_collision!));
  return m;
});

/** Bit `idx` of a 2^bits-bit signal (a multiplexer over its bits). */
function bitOf(m: Module, r: Expr, idx: Expr, bits: number): Expr {
  let e: Expr = m.slice(r, 0, 0);
  for (let i = 1; i < 1 << bits; i++) e = mux(eq(idx, constant(i, bits)), m.slice(r, i, i), e);
  return e;
}
