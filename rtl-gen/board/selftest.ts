// A board-level top for a ChaCha packet cipher: a built-in known-answer self-test and a
// throughput counter, reported over a UART.
//
// After power-on it writes the RFC 8439 2.4.2 key into key slot 0, sends the 114-byte
// "sunscreen" packet through the core and compares every output byte with the RFC's
// ciphertext. It then feeds back-to-back 64-byte packets for ever, counts the payload
// bytes that come out in each window of 2^windowLog2 cycles, and after every window sends
//   "PASS xxxxxxxx\r\n"   (or "FAIL ...") with the byte count in hex.
// LEDs: 0 = pass, 1 = fail, 2 = toggles every window, 3 = beats in flight in the core.

import { ENCRYPT_2_4_2 } from '../../spec/rfc8439-vectors.ts';
import { bytesToBig } from '../../spec/bytes.ts';
import { type Expr, add, and, concat, constant, eq, fold, mux, ne, not, or, xor } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module } from '../ir/module.ts';
import { intRange, oneOf } from '../ir/params.ts';
import { chachaPipeline } from '../chacha/pipeline.ts';
import { contextFormat, encodeContext } from '../../spec/chacha-stream.ts';
import { uartTx } from '../lib/uart-tx.ts';


/** The report line: "PASS " / "FAIL ", eight hex digits, CR LF. */
export const REPORT_CHARS = 15;

export const selfTestTop = defineGenerator(
  'board/selftest',
  '1.0.0',
  {
    units: oneOf<number>('round units of the ChaCha20 core', 1, [1, 2, 4, 5, 10, 20]),
    stages: oneOf<number>('register stages per round unit', 1, [1, 2, 4]),
    width: oneOf<number>('packet stream width', 64, [64, 128, 256, 512]),
    clocksPerBit: intRange('UART clock cycles per bit (board clock / baud)', 104, 2, 1 << 16),
    windowLog2: intRange('throughput window: 2^n cycles', 24, 10, 30),
    ledActiveLow: oneOf<boolean>('LEDs light on a low output', false, [false, true]),
    fifoRam: oneOf<string>('FIFO memory of the core (block on iCE40, which has no LUT RAM)', 'lut', ['lut', 'block']),
    entryReg: oneOf<boolean>('register the core\'s ring entry (see chacha/keystream)', true, [true, false]),
    corrupt: oneOf<boolean>('flip one expected bit (proves the check can fail; tests only)', false, [false, true]),
  },
  (p, info) => {
    const W = p.width;
    const core = chachaPipeline({ rounds: 20, units: p.units, stages: p.stages, width: W, keySlots: 2, layout: 'ietf', fifoRam: p.fifoRam, entryReg: p.entryReg });
    const m = new Module(`selftest_u${p.units}_s${p.stages}_w${W}_c${p.clocksPerBit}_n${p.windowLog2}${p.fifoRam === 'block' ? '_bram' : ''}${p.entryReg ? '' : '_ne'}${p.ledActiveLow ? '_al' : ''}${p.corrupt ? '_corrupt' : ''}`, info);
    m.describe(
      `Board top: RFC 8439 2.4.2 known-answer self-test of ${core.name}, then a throughput count`,
      `over windows of 2^${p.windowLog2} cycles, reported as "PASS xxxxxxxx" (payload bytes, hex) on uart_tx.`,
    );
    m.clock();
    const fmt = contextFormat('ietf', 2);
    const v = ENCRYPT_2_4_2;
    const beatBytes = W / 8;

    // Power-on reset: 15 cycles, from the flip-flops' power-up zero.
    const por = m.reg('por_count_reg', 4);
    const rst = m.wire('rst_int', ne(por, constant(15, 4)));
    por.set(add(por, constant(1, 4)), rst);
    /** A register with a synchronous reset from the power-on counter. */
    const sreg = (name: string, width: number, init: number | bigint, next: (r: Expr) => Expr, enable?: Expr) => {
      const r = m.reg(name, width);
      const n = next(r);
      r.set(mux(rst, constant(init, width), enable ? mux(enable, n, r) : n));
      return r;
    };

    // Phase: 0 key load, 1 test packet, 2 wait for its check, 3 throughput.
    const phase = m.reg('phase_reg', 2);
    const inPhase = (k: number): Expr => eq(phase, constant(k, 2));

    // ---- key load ------------------------------------------------------------------------------
    const keyWord = m.reg('key_word_reg', 4);
    const keyWords = Array.from({ length: 8 }, (_, i) => constant(new DataView(v.key.buffer, v.key.byteOffset + 4 * i, 4).getUint32(0, true), 32));
    const keyData = keyWords.slice(1).reduce<Expr>((acc, w, i) => mux(eq(keyWord, constant(i + 1, 4)), w, acc), keyWords[0]!);
    const keyValid = m.wire('key_valid', and(inPhase(0), not(rst)));

    // ---- test packet and throughput packets ----------------------------------------------------
    const testBeats = Math.ceil(v.plaintext.length / beatBytes);
    const bw = Math.max(1, Math.ceil(Math.log2(Math.max(testBeats, 64 / beatBytes) + 1)));
    const beat = m.reg('beat_reg', bw);
    const beatConst = (bytes: Uint8Array, i: number): bigint => bytesToBig(bytes.subarray(i * beatBytes, (i + 1) * beatBytes));
    const table = (name: string, values: bigint[], width: number, index: Expr): Expr => {
      let e: Expr = constant(values[0]!, width);
      for (let i = 1; i < values.length; i++) e = mux(eq(index, constant(i, bw)), constant(values[i]!, width), e);
      return m.wire(name, e);
    };
    const testData = table('test_tdata', Array.from({ length: testBeats }, (_, i) => beatConst(v.plaintext, i)), W, beat);
    const keepOf = (n: number): bigint => (1n << BigInt(n)) - 1n;
    const testKeep = table('test_tkeep', Array.from({ length: testBeats }, (_, i) => keepOf(Math.min(beatBytes, v.plaintext.length - i * beatBytes))), W / 8, beat);
    const testLast = eq(beat, constant(testBeats - 1, bw));
    const ctx = constant(encodeContext(fmt, { slot: 0, nonce: v.nonce, counter: v.counter }), fmt.width);
    const runBeats = 64 / beatBytes; // a 64-byte packet of zeros
    const runLast = eq(beat, constant(runBeats - 1, bw));
    const sending = m.wire('sending', or(inPhase(1), inPhase(3)));
    const first = eq(beat, constant(0, bw));

    const coreIn: Record<string, Expr> = {
      rst,
      key_wr_valid: keyValid,
      key_wr_slot: constant(0, 1),
      key_wr_word: m.slice(keyWord, 2, 0),
      key_wr_data: keyData,
      s_axis_tdata: mux(inPhase(1), testData, constant(0, W)),
      s_axis_tkeep: mux(inPhase(1), testKeep, constant(keepOf(beatBytes), W / 8)),
      s_axis_tvalid: and(sending, not(rst)),
      s_axis_tlast: mux(inPhase(1), testLast, runLast),
      s_axis_tuser: mux(first, ctx, constant(0, fmt.width)),
      m_axis_tready: constant(1, 1),
    };
    const c = m.instance(core, 'cipher', coreIn);
    const inFire = m.wire('in_fire', and(and(sending, not(rst)), c.s_axis_tready!));
    const outFire = m.wire('out_fire', c.m_axis_tvalid!);

    // ---- checker -------------------------------------------------------------------------------
    const outBeat = m.reg('out_beat_reg', bw);
    const want = v.ciphertext.slice();
    if (p.corrupt) want[want.length - 1]! ^= 0x01;
    const expData = table('expected_tdata', Array.from({ length: testBeats }, (_, i) => beatConst(want, i)), W, outBeat);
    const mask: Expr[] = [];
    const hKeep = m.named(c.m_axis_tkeep!, 'out_keep');
    for (let b = W / 8 - 1; b >= 0; b--) {
      const k = m.slice(hKeep, b, b);
      mask.push(mux(k, constant(0xff, 8), constant(0, 8)));
    }
    const diff = m.wire('out_diff', and(xor(c.m_axis_tdata!, expData), concat(...mask)));
    const checking = m.wire('checking', and(outFire, or(inPhase(1), inPhase(2))));
    const mismatch = m.wire('mismatch', and(checking, or(ne(diff, constant(0, W)), c.m_axis_tuser!)));
    // A mismatch, or the core flagging an internal error at any time, fails the self-test.
    const failed = sreg('failed_reg', 1, 0, (r) => or(r, or(mismatch, c.status_error!)));
    const testDone = m.wire('test_done', and(checking, c.m_axis_tlast!));
    outBeat.set(mux(rst, constant(0, bw), mux(checking, add(outBeat, constant(1, bw)), outBeat)));

    keyWord.set(mux(rst, constant(0, 4), mux(and(keyValid, c.key_wr_ready!), add(keyWord, constant(1, 4)), keyWord)));
    const keysDone = and(and(keyValid, c.key_wr_ready!), eq(keyWord, constant(7, 4)));
    const lastIn = and(inFire, mux(inPhase(1), testLast, runLast));
    beat.set(mux(rst, constant(0, bw), mux(inFire, mux(lastIn, constant(0, bw), add(beat, constant(1, bw))), beat)));
    const nextPhase = fold('or', [
      and(inPhase(0), keysDone),
      and(inPhase(1), lastIn),
      and(inPhase(2), testDone),
    ]);
    phase.set(mux(rst, constant(0, 2), mux(nextPhase, add(phase, constant(1, 2)), mux(and(inPhase(1), testDone), constant(3, 2), phase))));

    // ---- throughput window -------------------------------------------------------------------
    const win = sreg('window_reg', p.windowLog2, 0, (r) => add(r, constant(1, p.windowLog2)), inPhase(3));
    const windowEnd = m.wire('window_end', and(inPhase(3), eq(win, constant((1n << BigInt(p.windowLog2)) - 1n, p.windowLog2))));
    const bytesShift = Math.log2(beatBytes);
    const beatsOut = sreg('beats_out_reg', 32, 0, (r) => mux(windowEnd, constant(0, 32), add(r, mux(and(inPhase(3), outFire), constant(1, 32), constant(0, 32)))));
    const bytesOut = bytesShift ? concat(m.slice(beatsOut, 31 - bytesShift, 0), constant(0, bytesShift)) : beatsOut;
    const report = sreg('report_reg', 32, 0, (r) => mux(windowEnd, bytesOut, r));
    const heartbeat = sreg('heartbeat_reg', 1, 0, (r) => mux(windowEnd, not(r), r));

    // ---- UART report -------------------------------------------------------------------------
    const uart = uartTx({ clocksPerBit: p.clocksPerBit });
    const chIdx = m.reg('char_idx_reg', 4);
    const ascii = (s: string): Expr => constant(s.charCodeAt(0), 8);
    const hexDigit = (nib: Expr): Expr => {
      let e: Expr = ascii('0');
      for (let d = 1; d < 16; d++) e = mux(eq(nib, constant(d, 4)), ascii(d.toString(16).toUpperCase()), e);
      return e;
    };
    const chars: Expr[] = [
      mux(failed, ascii('F'), ascii('P')), mux(failed, ascii('A'), ascii('A')), mux(failed, ascii('I'), ascii('S')), mux(failed, ascii('L'), ascii('S')), ascii(' '),
      ...Array.from({ length: 8 }, (_, i) => hexDigit(m.slice(report, 31 - 4 * i, 28 - 4 * i))),
      ascii('\r'), ascii('\n'),
    ];
    let ch: Expr = chars[0]!;
    for (let i = 1; i < chars.length; i++) ch = mux(eq(chIdx, constant(i, 4)), chars[i]!, ch);
    const msgBusy = m.reg('msg_busy_reg', 1);
    const u = m.instance(uart, 'reporter', { rst, s_valid: msgBusy, s_data: m.wire('uart_char', ch) });
    const charSent = and(msgBusy, u.s_ready!);
    const lastChar = eq(chIdx, constant(REPORT_CHARS - 1, 4));
    msgBusy.set(mux(rst, constant(0, 1), or(windowEnd, and(msgBusy, not(and(charSent, lastChar))))));
    chIdx.set(mux(or(rst, windowEnd), constant(0, 4), mux(charSent, add(chIdx, constant(1, 4)), chIdx)));

    m.output('uart_tx', 1).drive(u.tx!);
    const passed = and(inPhase(3), not(failed));
    const coreBusy = ne(c.status_outstanding!, constant(0, c.status_outstanding!.width));
    const leds = concat(coreBusy, heartbeat, and(inPhase(3), failed), passed);
    m.output('led', 4).drive(p.ledActiveLow ? not(leds) : leds);
    return m;
  },
);
