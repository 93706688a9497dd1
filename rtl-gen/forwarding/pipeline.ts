// One forwarding pipeline: what happens to the frames of one network port after the ingress
// parser (ingress.ts) decided them. Stages, each decoupled from the next by a small queue:
//
//   dispatch   drop (counted), hand up raw (8-byte host header, then the frame), or realign
//              the link datagram (it starts 42 bytes into the frame) into the open engine with
//              its context (key slot peer x 2 + parity, counter, 20 bytes of AAD)
//   open       the AEAD engine (rtl-gen/aead/engine.ts) opens it; its output (link header,
//              plaintext) goes into the plaintext buffer while the inner message is read: its
//              padding checked as host/link/frame.ts decodeInner checks it, and whether it is
//              one channel-1 route packet (host/mesh framing); the route table is asked for
//              (peer, route ID) as soon as the route ID has gone by
//   decide     once the frame is whole and the tag verdict is in: the replay window is checked
//              and, when the frame authenticated, marked (replay.ts); then the action, in the
//              software's order: replay or tooOld, badTag, badInner (dropped, counted), an
//              authenticated frame the host must see (next key, not Data, not one route
//              packet, no rule, a local rule: handed up opened), or a forward to peer P
//              (dropped as txDropped when P is not up or has no transmit key)
//   read out   a forward: the link header rebuilt for P (its session ID, transmit generation
//              and the next counter of its key), the route ID rewritten, the padding made for
//              P's granule, into the seal engine; a hand-up: the 8-byte header, the link header
//              and the inner message without padding
//   egress     the sealed frame behind Ethernet/IPv4/UDP headers from P's template, the IPv4
//              checksum computed, toward P's port
//
// Nothing of a frame leaves the plaintext buffer before its tag verified and its counter was
// checked: a forged frame is never forwarded, and its plaintext never reaches the host.
import { AEAD_TAG_BYTES, aeadFormat } from '../../spec/aead-stream.ts';
import { COUNTER_LIMIT, FRAME_HEADER_BYTES, INNER_HEADER_BYTES, InnerType, MessageType, PROTOCOL_VERSION } from '../../spec/link-wire.ts';
import { FRAME_HEADER_BYTES as CHANNEL_HEADER_BYTES, MIN_ROUTE_PACKET_BYTES, ROUTE_CHANNEL } from '../../spec/route-wire.ts';
import { PEER_COUNTERS, type PeerCounter } from '../../spec/forwarding/counters.ts';
import { HostKind, HostReason, NO_PEER } from '../../spec/forwarding/host-port.ts';
import { routeValueLayout } from '../../spec/forwarding/route-key.ts';
import { field as valueField } from '../../spec/route-table/layout.ts';
import { type Expr, type SignalRef, add, and, concat, constant, eq, lt, mux, ne, not, or, sliceRef, sub, zext } from '../ir/expr.ts';
import { Module, type RegHandle } from '../ir/module.ts';
import { aeadEngine } from '../aead/engine.ts';
import { fifo } from '../lib/fifo.ts';
import { BEAT, beBytes, beatOf, byteOf, keepOf } from './bytes.ts';
import { descLayout } from './descriptor.ts';
import { REPLAY_VERDICT } from './replay.ts';

export const IP_UDP_HEADER_BYTES = 42;

export interface PipelineParams {
  peers: number;
  ports: number;
  ruleCounters: number;
  /** AEAD engine parameters (both engines), keySlots excluded (2 per peer). */
  aead: Record<string, number | string>;
  bufferBeats: number;
}

const sel = (m: Module, vec: Expr, w: number, idx: Expr, n: number, name: string): Expr => {
  // vec holds n fields of w bits; pick field idx (a small mux tree by index bits).
  const items = Array.from({ length: n }, (_, i) => m.slice(vec, w * i + w - 1, w * i));
  const tree = (bit: number, xs: Expr[]): Expr => (xs.length === 1 ? xs[0]! : mux(m.slice(idx, bit, bit), tree(bit - 1, xs.slice(xs.length / 2)), tree(bit - 1, xs.slice(0, xs.length / 2))));
  return m.wire(name, tree(Math.log2(n) - 1, items));
};

/** Names the fields of a packed word from its most significant bits down, each as a wire `<prefix>_<name>`. */
function fieldReader(m: Module, word: Expr, prefix: string): (name: string, w: number) => SignalRef {
  let taken = 0;
  return (name, w) => {
    const e = m.wire(`${prefix}_${name}`, m.slice(word, word.width - 1 - taken, word.width - taken - w));
    taken += w;
    return e;
  };
}

export function forwardingPipeline(p: PipelineParams, name: string): Module {
  const N = p.peers;
  const pb = Math.log2(N);
  const keySlots = 2 * N;
  const aeadP = { ...p.aead, keySlots };
  const openEngine = aeadEngine(aeadP as never);
  const sealEngine = aeadEngine(aeadP as never);
  const fmt = aeadFormat(keySlots);
  const layout = descLayout(pb);
  const vl = routeValueLayout({ ruleCounters: p.ruleCounters });
  const cb = valueField(vl, 'counter').width;
  const m = new Module(name, { name: 'forwarding/pipeline', version: '1.0.0', params: { peers: N, ports: p.ports, ruleCounters: p.ruleCounters, bufferBeats: p.bufferBeats, engine: openEngine.name } });
  m.describe(
    `Forwarding pipeline of one network port (${N} peers): dispatch, open (${openEngine.name}), decide, read out, seal, egress headers.`,
    'See rtl-gen/forwarding/pipeline.ts for the stages. Frames leave the plaintext buffer only after their tag verified and their counter was checked.',
  );
  m.clock();
  m.reset();
  const zero = (w: number): Expr => constant(0, w);
  const one = constant(1, 1);
  const F = (n: string): { lo: number; width: number } => layout.fields[n]!;

  // ---- ports ----------------------------------------------------------------------------
  const descData = m.input('s_desc_tdata', layout.width, 'ingress descriptor');
  const descValid = m.input('s_desc_tvalid', 1);
  const frData = m.input('s_frame_tdata', 64);
  const frKeep = m.input('s_frame_tkeep', 8);
  const frLast = m.input('s_frame_tlast', 1);
  const frValid = m.input('s_frame_tvalid', 1);
  const portIndex = m.input('cfg_port_index', 4, 'this pipeline\'s network port');
  const portMac = m.input('cfg_port_mac', 48 * p.ports, 'per network port: the node\'s MAC there');
  const portIp = m.input('cfg_port_ip', 32 * p.ports, 'per network port: the node\'s IPv4 there');
  const portUdp = m.input('cfg_port_udp', 16 * p.ports, 'per network port: the node\'s UDP port');
  const peerUp = m.input('cfg_peer_up', N);
  const peerTxValid = m.input('cfg_peer_tx_valid', N);
  const peerTxSlot = m.input('cfg_peer_tx_slot', N);
  const peerPad32 = m.input('cfg_peer_pad32', N);
  const peerPort = m.input('cfg_peer_port', 4 * N);
  const peerRemote = m.input('cfg_peer_remote_id', 32 * N);
  const peerMac = m.input('cfg_peer_mac', 48 * N);
  const peerIp = m.input('cfg_peer_ip', 32 * N);
  const peerUdp = m.input('cfg_peer_udp_port', 16 * N);
  const peerTtl = m.input('cfg_peer_ttl', 8 * N);
  const peerTos = m.input('cfg_peer_tos', 8 * N);
  const peerDf = m.input('cfg_peer_df', N);
  const txGen = m.input('cfg_txkey_gen', 64 * N, 'per transmit key slot (peer x 2 + parity): its generation');
  const txCtr = m.input('status_tx_counter', 52 * N, 'per peer: next counter of its current transmit key');
  const ctrGrant = m.input('ctr_grant', 1, 'the counter request is served this cycle');
  const ctrValue = m.input('ctr_value', 52, 'the counter it got');
  const camResValid = m.input('cam_res_valid', 1, 'this pipeline\'s lookup result');
  const camResHit = m.input('cam_res_hit', 1);
  const camResValue = m.input('cam_res_value', 64);
  const camReqReady = m.input('cam_req_ready', 1, 'the lookup is taken this cycle');
  const rpReady = m.input('replay_req_ready', 1);
  const rpResValid = m.input('replay_res_valid', 1);
  const rpVerdict = m.input('replay_res_verdict', 2);
  const hostReady = m.input('m_host_tready', 1);
  const egReady = m.input('m_egress_tready', 1);
  const okw = { valid: m.input('open_key_wr_valid', 1), slot: m.input('open_key_wr_slot', fmt.slotBits), word: m.input('open_key_wr_word', 3), data: m.input('open_key_wr_data', 32) };
  const skw = { valid: m.input('seal_key_wr_valid', 1), slot: m.input('seal_key_wr_slot', fmt.slotBits), word: m.input('seal_key_wr_word', 3), data: m.input('seal_key_wr_data', 32) };

  const dfield = (n: string): Expr => sliceRef(descData, F(n).lo + F(n).width - 1, F(n).lo);

  // ---- host-up arbitration between the dispatcher (raw) and the read-out (opened) --------
  // Each claims the host stream for a whole frame; the read-out goes first.
  const hostOwner = m.reg('host_owner_reg', 2, { reset: 0, doc: '0 free, 1 dispatcher, 2 read-out' });

  // ---- dispatch --------------------------------------------------------------------------
  // States: 0 idle, 1 drain (drop, or the rest after a datagram), 2 host header, 3 host frame, 4 open run.
  const ds = m.reg('disp_state_reg', 3, { reset: 0 });
  const dIs = (s: number): Expr => eq(ds, constant(s, 3));
  // What the dispatcher reads of a descriptor after taking it.
  const keptFields = ['peer_valid', 'peer', 'reason', 'frame_bytes', 'parity', 'counter'];
  const keptWidth = keptFields.reduce((w, n) => w + F(n).width, 0);
  const dDesc = m.reg('disp_desc_reg', keptWidth);
  const dBeat = m.reg('disp_beat_reg', 8, { doc: 'beat of the frame being read' });
  const hold = m.reg('disp_hold_reg', 48, { doc: 'bytes 2-7 of the last beat read (realigning by 42 bytes)' });
  const remain = m.reg('disp_remain_reg', 12, { doc: 'datagram bytes not yet sent to the open engine (hold included)' });
  const dFirst = m.reg('disp_first_reg', 1, { doc: 'the next beat to the engine is the datagram\'s first' });
  const dLastSeen = m.reg('disp_last_seen_reg', 1, { doc: 'the frame\'s last beat was read' });
  const ctxFull = m.wire('ctx_full', 1);
  const openReady = m.wire('open_s_ready', 1);
  const dAction = m.slice(descData, F('action').lo + 1, F('action').lo);
  const takeDesc = m.wire('take_desc', and(and(dIs(0), descValid), not(ctxFull)));
  const dd = (n: string): Expr => {
    let lo = 0;
    for (const k of [...keptFields].reverse()) {
      if (k === n) return sliceRef(dDesc, lo + F(k).width - 1, lo);
      lo += F(k).width;
    }
    throw new Error(`pipeline: descriptor field ${n} is not kept`);
  };
  const rHostValidW = m.wire('rd_host_valid', 1);
  const hostGrantDisp = m.wire('host_grant_disp', or(eq(hostOwner, constant(1, 2)), and(eq(hostOwner, constant(0, 2)), not(rHostValidW))));
  // Host header of a raw frame: kind raw, reason, ingress port, peer (or none), length.
  const rawPeer = mux(dd('peer_valid'), zext(dd('peer'), 8), constant(NO_PEER, 8));
  const rawHeader = beatOf([constant(HostKind.raw, 8), zext(dd('reason'), 8), zext(portIndex, 8), rawPeer, ...beBytes(m, zext(dd('frame_bytes'), 16)), zero(8), zero(8)]);
  const inOpen = dIs(4);
  const holdReady = m.wire('disp_hold_ready', and(inOpen, lt(constant(5, 8), dBeat)), 'hold has the datagram\'s next bytes');
  const flush = m.wire('disp_flush', and(holdReady, not(lt(constant(6, 12), remain))), 'the rest of the datagram is in hold');
  const openBeatValid = m.wire('open_beat_valid', and(holdReady, or(flush, frValid)));
  const openFire = m.wire('open_fire', and(openBeatValid, openReady));
  const sendBytes = m.wire('send_bytes', mux(lt(remain, constant(8, 12)), m.slice(remain, 3, 0), constant(8, 4)));
  const hostDispValid = m.wire('host_disp_valid', and(hostGrantDisp, or(dIs(2), and(dIs(3), frValid))));
  const hostDispFire = m.wire('host_disp_fire', and(hostDispValid, hostReady));
  // Reading frame beats: skipping (drain; open beats 0-5), to the host, or into the engine.
  const skipping = or(dIs(1), and(inOpen, lt(dBeat, constant(5, 8))));
  const frTake = m.wire('frame_take', or(and(skipping, frValid), or(and(dIs(3), hostDispFire), and(and(inOpen, not(lt(dBeat, constant(5, 8)))), and(frValid, or(eq(dBeat, constant(5, 8)), and(openFire, not(flush))))))));
  const frLastTaken = and(frTake, frLast);
  const openLast = m.wire('open_last', and(openFire, not(lt(constant(8, 12), remain))));
  // State machine.
  const startState = mux(eq(dAction, constant(0, 2)), constant(1, 3), mux(eq(dAction, constant(1, 2)), constant(2, 3), constant(4, 3)));
  ds.set(mux(takeDesc, startState,
    mux(and(dIs(1), frLastTaken), constant(0, 3),
      mux(and(dIs(2), hostDispFire), constant(3, 3),
        mux(and(dIs(3), frLastTaken), constant(0, 3),
          mux(openLast, mux(or(dLastSeen, frLastTaken), constant(0, 3), constant(1, 3)), ds))))));
  dDesc.set(concat(...keptFields.map((n) => dfield(n))), takeDesc);
  dBeat.set(mux(takeDesc, zero(8), add(dBeat, constant(1, 8))), or(takeDesc, frTake));
  dLastSeen.set(mux(takeDesc, zero(1), or(dLastSeen, frLastTaken)));
  const beat5 = and(and(inOpen, eq(dBeat, constant(5, 8))), frTake);
  hold.set(concat(...[7, 6, 5, 4, 3, 2].map((k) => byteOf(m, frData, k))), or(beat5, and(openFire, not(flush))));
  remain.set(mux(takeDesc, m.slice(dfield('dgram_bytes'), 11, 0), sub(remain, zext(sendBytes, 12))), or(takeDesc, openFire));
  dFirst.set(mux(takeDesc, one, mux(openFire, zero(1), dFirst)));
  const holdBytes = [2, 3, 4, 5, 6, 7].map((k) => m.slice(hold, 8 * (k - 2) + 7, 8 * (k - 2)));
  const openData = beatOf([...holdBytes, byteOf(m, frData, 0), byteOf(m, frData, 1)]);
  const ctxWord = concat(zero(32), zext(dd('counter'), 64), constant(FRAME_HEADER_BYTES, 16), constant(1, 1), concat(dd('peer'), dd('parity')));
  if (ctxWord.width !== fmt.width) throw new Error(`pipeline: context ${ctxWord.width} bits, engine takes ${fmt.width}`);
  // Per opened frame, what the decision needs later: {next_key, parity, peer, counter, dgram}.
  const ctxQ = fifo({ width: 1 + 1 + pb + 52 + 12, depth: 16, ram: 'lut' });
  const ctxIn = concat(dfield('next_key'), dfield('parity'), dfield('peer'), dfield('counter'), dfield('dgram_bytes'));
  const ctxPush = m.wire('ctx_push', and(takeDesc, eq(dAction, constant(2, 2))));
  const ctxReadyW = m.wire('ctx_pop', 1);
  // Frames leave the engine in order, each with its context at the queue's head.
  const ctx = m.instance(ctxQ, 'ctx_queue', { s_valid: ctxPush, s_data: ctxIn, m_ready: ctxReadyW });
  m.assign(ctxFull, not(ctx.s_ready!));
  const openMReady = m.wire('open_m_ready', 1);
  const open = m.instance(openEngine, 'open', {
    key_wr_valid: okw.valid, key_wr_slot: okw.slot, key_wr_word: okw.word, key_wr_data: okw.data,
    s_axis_tdata: openData, s_axis_tkeep: keepOf(sendBytes), s_axis_tvalid: openBeatValid, s_axis_tlast: not(lt(constant(8, 12), remain)), s_axis_tuser: ctxWord,
    m_axis_tready: openMReady,
  }, { unused: ['status_error'] });
  m.assign(openReady, open.s_axis_tready!);
  m.output('open_key_ready', 1, 'the open engine takes the key word').drive(open.key_wr_ready!);
  // Counter events of the dispatcher: one per frame, at its descriptor.
  const dispEv = {
    valid: takeDesc,
    peerBank: m.wire('disp_peer_bank', or(and(eq(dAction, constant(0, 2)), dfield('drop_peer')), and(eq(dAction, constant(1, 2)), dfield('peer_valid')))),
  };
  const toHostKind = constant(PEER_COUNTERS.indexOf('toHost'), 5);
  m.output('ev_disp_valid', 1, 'a frame was dispatched: count it (port bank: drop kind or toHost; peer bank when ev_disp_peer)').drive(dispEv.valid);
  m.output('ev_disp_peer', 1, 'the event counts in the peer bank').drive(dispEv.peerBank);
  m.output('ev_disp_drop', 1, 'the frame was dropped (else handed up raw, or opened)').drive(eq(dAction, constant(0, 2)));
  m.output('ev_disp_host', 1, 'the frame went to the host raw').drive(eq(dAction, constant(1, 2)));
  m.output('ev_disp_kind', 5, 'counter kind (drop kind, or toHost for a raw hand-up of a peer\'s frame)').drive(mux(eq(dAction, constant(1, 2)), toHostKind, dfield('drop_kind')));
  m.output('ev_disp_peer_index', pb).drive(dfield('peer'));
  m.output('ev_disp_bytes', 12).drive(dfield('frame_bytes'));
  m.output('s_desc_tready', 1).drive(takeDesc);
  m.output('s_frame_tready', 1).drive(frTake);

  // ---- open output: the plaintext buffer and the inner message -------------------------------
  const oData = open.m_axis_tdata!;
  const oKeep = open.m_axis_tkeep!;
  const oLast = open.m_axis_tlast!;
  const oValid = open.m_axis_tvalid!;
  const buf = fifo({ width: 64 + 1, depth: p.bufferBeats, ram: 'block' });
  const bufPop = m.wire('buf_pop', 1);
  const infoFull = m.wire('info_full', 1);
  const camWait = m.wire('cam_wait', 1);
  const bufPush = m.wire('buf_push', 1);
  const bufIn = m.instance(buf, 'plain_buffer', { s_valid: bufPush, s_data: concat(oLast, oData), m_ready: bufPop });
  // The last beat waits for room in the info queue and for the route lookup of its frame.
  const oTake = m.wire('open_take', and(and(oValid, bufIn.s_ready!), not(and(oLast, or(infoFull, camWait)))));
  m.assign(openMReady, and(bufIn.s_ready!, not(and(oLast, or(infoFull, camWait)))));
  m.assign(bufPush, oTake);
  const ob = m.reg('out_beat_reg', 8, { reset: 0, doc: 'beat of the opened frame being buffered' });
  ob.set(mux(oLast, zero(8), mux(eq(ob, constant(255, 8)), ob, add(ob, constant(1, 8)))), oTake);
  const at = (b: number): Expr => and(oTake, eq(ob, constant(b, 8)));
  const cap = (nameR: string, b: number, bytes: number[]): RegHandle => {
    const r = m.reg(nameR, 8 * bytes.length);
    r.set(concat(...bytes.map((k) => byteOf(m, oData, k))), at(b));
    return r;
  };
  // Inner header and channel frame: bytes 20 (type), 21-22 (length), 23-26 (channel length), 27-28 (channel), 29-32 (route ID).
  const innerType = cap('inner_type_reg', 2, [4]);
  const innerLen = cap('inner_len_reg', 2, [5, 6]);
  const chanLenHi = cap('chan_len_hi_reg', 2, [7]);
  const chan3 = cap('chan_b3_reg', 3, [0, 1, 2, 3, 4, 5, 6, 7]);
  const chanLen = m.wire('chan_len', concat(chanLenHi, m.slice(chan3, 63, 40)));
  const channel = m.wire('channel', m.slice(chan3, 39, 24));
  const ctxD = ctx.m_data!;
  const cDgram = m.wire('ctx_dgram', m.slice(ctxD, 11, 0));
  const cCounter = m.wire('ctx_counter', m.slice(ctxD, 63, 12));
  const cPeer = m.wire('ctx_peer', m.slice(ctxD, 63 + pb, 64));
  const cParity = m.wire('ctx_parity', m.slice(ctxD, 64 + pb, 64 + pb));
  const cNext = m.wire('ctx_next_key', m.slice(ctxD, 65 + pb, 65 + pb));
  const bodyLen = m.wire('body_len', sub(cDgram, constant(FRAME_HEADER_BYTES + AEAD_TAG_BYTES, 12)));
  // Padding: bytes from 23 + length to the end must be zero (decodeInner). padRem = bytes
  // before the padding, counted from this beat's byte 0.
  const lenNow = m.wire('len_now', mux(eq(ob, constant(2, 8)), concat(byteOf(m, oData, 5), byteOf(m, oData, 6)), innerLen));
  const padRem = m.reg('pad_rem_reg', 17, { doc: 'bytes before the padding from the next beat on' });
  const padRemNow = m.wire('pad_rem_now', mux(lt(ob, constant(2, 8)), constant(0x1ffff, 17), mux(eq(ob, constant(2, 8)), add(zext(lenNow, 17), constant(7, 17)), padRem)));
  padRem.set(mux(lt(padRemNow, constant(8, 17)), zero(17), sub(padRemNow, constant(8, 17))), and(oTake, not(lt(ob, constant(2, 8)))));
  const padBad = Array.from({ length: 8 }, (_, k) => and(and(m.slice(oKeep, k, k), not(lt(constant(k, 17), padRemNow))), ne(byteOf(m, oData, k), zero(8)))).reduce((x, y) => or(x, y));
  const nonzeroPad = m.reg('nonzero_pad_reg', 1, { reset: 0 });
  const nonzeroNow = m.wire('nonzero_pad_now', or(and(nonzeroPad, not(eq(ob, constant(0, 8)))), and(oValid, padBad)));
  nonzeroPad.set(mux(and(oTake, oLast), zero(1), nonzeroNow), oTake);
  // The route lookup: issued as beat 4 goes by when the message is one channel-1 route packet so far.
  const innerLen11 = m.wire('inner_len_now', innerLen);
  const isRouteSoFar = m.wire('is_route', and(and(eq(innerType, constant(InnerType.Data, 8)), eq(add(zext(chanLen, 33), constant(CHANNEL_HEADER_BYTES, 33)), zext(innerLen11, 33))),
    and(eq(channel, constant(ROUTE_CHANNEL, 16)), not(lt(chanLen, constant(MIN_ROUTE_PACKET_BYTES, 32))))));
  const camPending = m.reg('cam_pending_reg', 1, { reset: 0, doc: 'a lookup of this frame is asked or under way' });
  const camAsk = m.reg('cam_ask_reg', 1, { reset: 0, doc: 'the lookup waits to be taken' });
  const camHave = m.reg('cam_have_reg', 1, { reset: 0, doc: 'this frame\'s lookup result is in' });
  const camHitR = m.reg('cam_hit_reg', 1);
  const vf = (n: 'local' | 'port' | 'counter' | 'arg', v: Expr, w?: number): Expr => m.slice(v, valueField(vl, n).offset + (w ?? valueField(vl, n).width) - 1, valueField(vl, n).offset);
  const camValR = m.reg('cam_fields_reg', 1 + 8 + cb + 32, { doc: 'of the route value: {local, port, counter, next route}' });
  const issue = m.wire('cam_issue', and(at(4), and(eq(innerType, constant(InnerType.Data, 8)), eq(m.slice(chan3, 39, 24), constant(ROUTE_CHANNEL, 16)))));
  // (The full route test is made at the decision; asking for a lookup costs nothing.)
  camAsk.set(or(issue, and(camAsk, not(camReqReady))));
  camPending.set(mux(issue, one, mux(and(camResValid, camPending), zero(1), camPending)));
  const frameDone = m.wire('frame_done', and(oTake, oLast));
  camHave.set(mux(frameDone, zero(1), or(camHave, and(camResValid, camPending))));
  camHitR.set(camResHit, and(camResValid, camPending));
  // The QoS class and the reserved bits are not used yet (one egress queue), nor arg above the 32-bit route ID.
  const argTop = valueField(vl, 'arg').offset + 32;
  m.wire('cam_value_bits_unused', concat(...(argTop < 64 ? [m.slice(camResValue, 63, argTop)] : []), m.slice(camResValue, 7, 2), m.slice(camResValue, 0, 0)));
  camValR.set(concat(vf('local', camResValue), vf('port', camResValue), vf('counter', camResValue), vf('arg', camResValue, 32)), and(camResValid, camPending));
  m.assign(camWait, or(camAsk, camPending));
  m.output('cam_req_valid', 1, 'ask the route table').drive(camAsk);
  const reqKey = m.reg('cam_key_reg', 40);
  reqKey.set(concat(zext(cPeer, 8), concat(m.slice(chan3, 23, 0), byteOf(m, oData, 0))), issue);
  m.output('cam_req_key', 40, '{from peer, route ID}').drive(reqKey);
  // Info of the completed frame for the decision.
  const tagOk = m.wire('tag_ok', and(m.slice(open.m_axis_tuser!, 0, 0), not(m.slice(open.m_axis_tuser!, 1, 1))), 'good, and not malformed');
  const innerEnd = add(m.slice(innerLen, 11, 0), constant(INNER_HEADER_BYTES, 12));
  const innerOk = m.wire('inner_ok', and(and(not(lt(bodyLen, innerEnd)), lt(sub(bodyLen, innerEnd), constant(32, 12))), not(nonzeroNow)));
  const camFields = camValR;
  const infoW = 1 + 1 + 1 + 1 + pb + 52 + 8 + 12 + 12 + 12 + 1 + 1 + camFields.width;
  const infoQ = fifo({ width: infoW, depth: 16, ram: 'lut' });
  const infoPop = m.wire('info_pop', 1);
  const hit = m.wire('cam_hit_final', and(camHave, camHitR));
  const info = m.instance(infoQ, 'info_queue', {
    s_valid: frameDone,
    s_data: concat(tagOk, innerOk, cNext, cParity, cPeer, cCounter, innerType, m.slice(innerLen, 11, 0), m.slice(chanLen, 11, 0), bodyLen, isRouteSoFar, hit, camFields),
    m_ready: infoPop,
  });
  m.assign(infoFull, not(info.s_ready!));
  m.assign(ctxReadyW, frameDone);

  // ---- decide -------------------------------------------------------------------------------
  const take = fieldReader(m, info.m_data!, 'info');
  const iTagOk = take('tag_ok', 1);
  const iInnerOk = take('inner_ok', 1);
  const iNext = take('next_key', 1);
  const iParity = take('parity', 1);
  const iPeer = take('peer', pb);
  const iCounter = take('counter', 52);
  const iType = take('type', 8);
  const iLen = take('len', 12);
  const iChanLen = take('chan_len', 12);
  const iBody = take('body', 12);
  const iRoute = take('route', 1);
  const iHit = take('hit', 1);
  const iLocal = take('local', 1);
  const iPort = take('port', 8);
  const iRuleCounter = take('rule_counter', cb);
  const iNextRoute = take('next_route', 32);
  // States: 0 wait info, 1 ask replay, 2 wait verdict, 3 events, 4 push action.
  const st = m.reg('dec_state_reg', 3, { reset: 0 });
  const sIs = (s: number): Expr => eq(st, constant(s, 3));
  const verdict = m.reg('dec_verdict_reg', 2);
  const actionFull = m.wire('action_full', 1);
  const rpAsk = and(sIs(1), one);
  m.output('replay_req_valid', 1).drive(rpAsk);
  m.output('replay_req_window', pb + 1).drive(concat(iPeer, iParity));
  m.output('replay_req_counter', 52).drive(iCounter);
  m.output('replay_req_commit', 1, 'the frame authenticated').drive(and(iTagOk, iInnerOk));
  verdict.set(rpVerdict, and(sIs(2), rpResValid));
  const vFresh = eq(verdict, constant(REPLAY_VERDICT.fresh, 2));
  // The action, in the software's order.
  const target = m.wire('target', m.slice(iPort, pb - 1, 0));
  const targetOk = m.wire('target_in_range', eq(m.slice(iPort, 7, pb), zero(8 - pb)));
  const tUp = sel(m, peerUp, 1, target, N, 'target_up');
  const tTxValid = sel(m, peerTxValid, 1, target, N, 'target_tx_valid');
  const tCtr = sel(m, txCtr, 52, target, N, 'target_counter');
  const canSend = m.wire('can_send', and(and(targetOk, tUp), and(tTxValid, lt(zext(tCtr, 53), constant(COUNTER_LIMIT, 53)))));
  const isRoute = and(iRoute, eq(iType, constant(InnerType.Data, 8)));
  const reject = m.wire('reject', or(not(vFresh), or(not(iTagOk), not(iInnerOk))));
  const rejectKind = mux(eq(verdict, constant(REPLAY_VERDICT.replay, 2)), constant(PEER_COUNTERS.indexOf('replay'), 5),
    mux(eq(verdict, constant(REPLAY_VERDICT.tooOld, 2)), constant(PEER_COUNTERS.indexOf('tooOld'), 5),
      mux(not(iTagOk), constant(PEER_COUNTERS.indexOf('badTag'), 5), constant(PEER_COUNTERS.indexOf('badInner'), 5))));
  const reasonOf = (r: keyof typeof HostReason): Expr => constant(HostReason[r], 4);
  const hostReason = mux(iNext, reasonOf('nextKey'), mux(ne(iType, constant(InnerType.Data, 8)), reasonOf('notData'),
    mux(not(isRoute), reasonOf('notRoute'), mux(not(iHit), reasonOf('routeMiss'), reasonOf('local')))));
  const forward = m.wire('forward', and(and(not(reject), not(iNext)), and(and(isRoute, iHit), not(iLocal))));
  const toHost = m.wire('to_host', and(not(reject), not(forward)));
  // Events, one per cycle in state 3: ev0 reject or rxFrames; ev1 toHost or forwarded (and the
  // rule); ev2 txDropped of the target.
  const evStep = m.reg('dec_ev_step_reg', 2, { reset: 0 });
  const pk = (k: PeerCounter): Expr => constant(PEER_COUNTERS.indexOf(k), 5);
  const step = (k: number): Expr => and(sIs(3), eq(evStep, constant(k, 2)));
  const ev0 = step(0);
  const ev1 = and(step(1), not(reject));
  const ev2 = and(step(2), and(forward, not(canSend)));
  const evPeerValid = or(ev0, or(ev1, and(ev2, targetOk)));
  const evPeerKind = mux(ev0, mux(reject, rejectKind, pk('rxFrames')), mux(ev1, mux(forward, pk('forwarded'), pk('toHost')), pk('txDropped')));
  const evPeerIdx = mux(ev2, target, iPeer);
  const frameBytes = add(iBody, constant(FRAME_HEADER_BYTES + AEAD_TAG_BYTES, 12));
  const evPeerBytes = mux(and(ev1, forward), iChanLen, frameBytes);
  evStep.set(mux(sIs(3), add(evStep, constant(1, 2)), zero(2)));
  m.output('ev_peer_valid', 1, 'count in the peer bank').drive(evPeerValid);
  m.output('ev_peer_index', pb).drive(evPeerIdx);
  m.output('ev_peer_kind', 5).drive(evPeerKind);
  m.output('ev_peer_bytes', 12).drive(evPeerBytes);
  m.output('ev_rule_valid', 1, 'count a route packet against its rule').drive(and(ev1, forward));
  m.output('ev_rule_index', cb).drive(iRuleCounter);
  m.output('ev_rule_bytes', 12).drive(iChanLen);
  // The action queue: {kind 2 (0 discard, 1 host, 2 forward), reason 4, target, next route 32, inner len 16, body 12, peer}.
  const actW = 2 + 4 + pb + 32 + 12 + pb;
  const actQ = fifo({ width: actW, depth: 4, ram: 'logic' });
  const actPush = and(sIs(4), not(actionFull));
  const kindE = mux(forward, mux(canSend, constant(2, 2), zero(2)), mux(toHost, constant(1, 2), zero(2)));
  const actPop = m.wire('act_pop', 1);
  const act = m.instance(actQ, 'action_queue', { s_valid: actPush, s_data: concat(kindE, hostReason, target, iNextRoute, iLen, iPeer), m_ready: actPop });
  m.assign(actionFull, not(act.s_ready!));
  st.set(mux(sIs(0), mux(info.m_valid!, constant(1, 3), st),
    mux(sIs(1), mux(rpReady, constant(2, 3), st),
      mux(sIs(2), mux(rpResValid, constant(3, 3), st),
        mux(sIs(3), mux(eq(evStep, constant(2, 2)), constant(4, 3), st),
          mux(actPush, zero(3), st))))));
  m.assign(infoPop, actPush);

  // ---- read out ------------------------------------------------------------------------------
  const atake = fieldReader(m, act.m_data!, 'act');
  // Host seal jobs (spec/forwarding/host-port.ts, kind seal): an inner message placed at byte 20 by the plane, for peer s_hseal_peer.
  const hs = { tdata: m.input('s_hseal_tdata', 64, 'host seal job: the inner message from byte 20 on (bytes 0-19 ignored)'), tlast: m.input('s_hseal_tlast', 1), tvalid: m.input('s_hseal_tvalid', 1),
    peer: m.input('s_hseal_peer', pb, 'peer to seal for (held during the job)'), len: m.input('s_hseal_len', 12, 'inner payload length (held during the job)') };
  // States: 0 idle, 1 discard, 2 host header, 3 host beats, 4 counter, 5 seal beats, 6 drain rest.
  const rs = m.reg('rd_state_reg', 3, { reset: 0 });
  const rIs = (s: number): Expr => eq(rs, constant(s, 3));
  // A job starts from the action queue, or, when it is empty, from the host.
  const actTaken = m.wire('act_taken', and(rIs(0), act.m_valid!));
  const hostJob = m.wire('host_job_taken', and(and(rIs(0), not(act.m_valid!)), hs.tvalid));
  const started = or(actTaken, hostJob);
  const latch = (nm: string, w: number, fromAct: Expr, fromHost: Expr): SignalRef => {
    const r = m.reg(`job_${nm}_reg`, w);
    r.set(mux(actTaken, fromAct, fromHost), started);
    return r;
  };
  const atakeKind = atake('kind', 2);
  const aReason = latch('reason', 4, atake('reason', 4), zero(4));
  const aTarget = latch('target', pb, atake('target', pb), hs.peer);
  const aNext = latch('next_route', 32, atake('next_route', 32), zero(32));
  const aLen = latch('len', 12, atake('len', 12), hs.len);
  const aPeer = latch('peer', pb, atake('peer', pb), zero(pb));
  const fromHost = m.reg('job_from_host_reg', 1, { doc: 'the job is the host\'s: its bytes come from s_hseal, no route ID to rewrite' });
  fromHost.set(hostJob, started);
  const rBeat = m.reg('rd_beat_reg', 8, { doc: 'output beat of the frame being read out' });
  const rOut = m.reg('rd_out_bytes_reg', 12, { doc: 'bytes of the output still to come' });
  const rLastSeen = m.reg('rd_last_seen_reg', 1, { doc: 'the source frame\'s last beat was read' });
  const bData = m.wire('buf_data', mux(fromHost, hs.tdata, m.slice(bufIn.m_data!, 63, 0)));
  const bLast = m.wire('buf_last', mux(fromHost, hs.tlast, m.slice(bufIn.m_data!, 64, 64)));
  const bValid = m.wire('buf_valid', mux(fromHost, hs.tvalid, bufIn.m_valid!));
  const readOutGrant = m.wire('host_grant_rd', or(eq(hostOwner, constant(2, 2)), eq(hostOwner, constant(0, 2))));
  // Host hand-up of an opened frame: the header, then 23 + inner length bytes of the buffer.
  const openedLen = m.wire('opened_len', add(aLen, constant(FRAME_HEADER_BYTES + INNER_HEADER_BYTES, 12)), 'link header and inner message');
  const openedHeader = beatOf([constant(HostKind.opened, 8), zext(aReason, 8), zext(portIndex, 8), zext(aPeer, 8), ...beBytes(m, zext(openedLen, 16)), zero(8), zero(8)]);
  const hostBeatValid = and(rIs(3), and(bValid, not(rLastSeen)));
  const rHostValid = and(readOutGrant, or(rIs(2), hostBeatValid));
  m.assign(rHostValidW, and(or(eq(hostOwner, constant(2, 2)), eq(hostOwner, constant(0, 2))), or(rIs(2), hostBeatValid)));
  const rHostFire = m.wire('rd_host_fire', and(rHostValid, hostReady));
  const outLastHost = not(lt(constant(8, 12), rOut));
  // Seal: bytes out = 20 + body', body' = ceil((3 + len) / granule) x granule.
  const pad32 = sel(m, peerPad32, 1, aTarget, N, 'tx_pad32');
  const innerBytes = add(aLen, constant(INNER_HEADER_BYTES, 12));
  const body16 = and(add(innerBytes, constant(15, 12)), constant(0xff0, 12));
  const body32 = and(add(innerBytes, constant(31, 12)), constant(0xfe0, 12));
  const bodyOut = m.wire('body_out', mux(pad32, body32, body16));
  const sealLen = add(bodyOut, constant(FRAME_HEADER_BYTES, 12));
  const ctrR = m.reg('rd_counter_reg', 52, { doc: 'the transmit counter this frame is sealed with' });
  const sealReady = m.wire('seal_s_ready', 1);
  const egCtxFull = m.wire('eg_ctx_full', 1);
  m.output('ctr_req_valid', 1, 'a counter of the target\'s current transmit key is needed').drive(and(rIs(4), not(egCtxFull)));
  m.output('ctr_req_peer', pb).drive(aTarget);
  ctrR.set(ctrValue, and(rIs(4), ctrGrant));
  // The seal input: the new link header (beats 0-2), the buffer with the route ID rewritten, zeros past the message.
  const sealInBuffer = and(rIs(5), not(rLastSeen));
  const sealBeatValid = and(rIs(5), or(rLastSeen, bValid));
  const sealFire = m.wire('seal_fire', and(sealBeatValid, sealReady));
  const txSlotBit = sel(m, peerTxSlot, 1, aTarget, N, 'tx_slot');
  const txGenOf = sel(m, txGen, 64, aTarget, N, 'tx_gens');
  const gen = m.wire('tx_generation', mux(txSlotBit, m.slice(txGenOf, 63, 32), m.slice(txGenOf, 31, 0)));
  const remote = sel(m, peerRemote, 32, aTarget, N, 'tx_remote_id');
  const hdrBytes = [constant(PROTOCOL_VERSION, 8), constant(MessageType.Transport, 8), zero(8), zero(8), ...beBytes(m, remote), ...beBytes(m, gen), ...beBytes(m, zext(ctrR, 64))];
  const nextBytes = beBytes(m, aNext);
  const msgEnd = add(innerBytes, constant(FRAME_HEADER_BYTES, 12)); // bytes of header and message
  const outByte = (k: number): Expr => {
    // Byte k of output beat rBeat: position 8 x rBeat + k.
    const pos = add(zext(concat(rBeat, constant(0, 3)), 12), constant(k, 12));
    const fromBuf = mux(sealInBuffer, byteOf(m, bData, k), zero(8));
    const beyond = not(lt(pos, msgEnd));
    let b: Expr = mux(beyond, zero(8), fromBuf);
    // Route ID at 29-32 (beat 3 bytes 5-7, beat 4 byte 0), in forwarded frames.
    if (k >= 5) b = mux(and(eq(rBeat, constant(3, 8)), not(fromHost)), nextBytes[k - 5]!, b);
    if (k === 0) b = mux(and(eq(rBeat, constant(4, 8)), not(fromHost)), nextBytes[3]!, b);
    // Header at 0-19.
    if (k < 8) b = mux(eq(rBeat, constant(0, 8)), hdrBytes[k]!, b);
    b = mux(eq(rBeat, constant(1, 8)), hdrBytes[8 + k]!, b);
    if (k < 4) b = mux(eq(rBeat, constant(2, 8)), hdrBytes[16 + k]!, b);
    return b;
  };
  const sealData = m.wire('seal_data', beatOf(Array.from({ length: 8 }, (_, k) => outByte(k))));
  const sealCtx = concat(zero(32), zext(ctrR, 64), constant(FRAME_HEADER_BYTES, 16), zero(1), concat(aTarget, txSlotBit));
  const sealLastBeat = not(lt(constant(8, 12), rOut));
  const sealMReady = m.wire('seal_m_ready', 1);
  const seal = m.instance(sealEngine, 'seal', {
    key_wr_valid: skw.valid, key_wr_slot: skw.slot, key_wr_word: skw.word, key_wr_data: skw.data,
    s_axis_tdata: sealData, s_axis_tkeep: keepOf(mux(lt(rOut, constant(8, 12)), m.slice(rOut, 3, 0), constant(8, 4))), s_axis_tvalid: sealBeatValid,
    s_axis_tlast: sealLastBeat, s_axis_tuser: m.wire('seal_first_user', mux(eq(rBeat, zero(8)), sealCtx, zero(fmt.width))),
    m_axis_tready: sealMReady,
  }, { unused: ['status_error', 'm_axis_tuser'] });
  m.assign(sealReady, seal.s_axis_tready!);
  m.output('seal_key_ready', 1, 'the seal engine takes the key word').drive(seal.key_wr_ready!);
  // Buffer reads: discard and drain pop freely; host and seal beats pop as they go out.
  const bufTake = or(and(or(rIs(1), rIs(6)), bValid), or(and(hostBeatValid, rHostFire), and(sealInBuffer, sealFire)));
  m.assign(bufPop, and(bufTake, not(fromHost)));
  m.output('s_hseal_tready', 1, 'a beat of the host seal job is taken').drive(and(bufTake, fromHost));
  const bufLastTaken = and(bufTake, bLast);
  m.assign(actPop, actTaken);
  const outFire = or(and(rIs(3), rHostFire), sealFire);
  const lastOut = and(outFire, mux(rIs(3), outLastHost, sealLastBeat));
  const afterOut = mux(or(rLastSeen, bufLastTaken), zero(3), constant(6, 3));
  const startKind = mux(actTaken, atakeKind, constant(2, 2));
  rs.set(mux(started, mux(eq(startKind, constant(1, 2)), constant(2, 3), mux(eq(startKind, constant(2, 2)), constant(4, 3), constant(1, 3))),
    mux(and(rIs(1), bufLastTaken), zero(3),
      mux(and(rIs(2), rHostFire), constant(3, 3),
        mux(and(rIs(4), and(ctrGrant, not(egCtxFull))), constant(5, 3),
          mux(lastOut, afterOut,
            mux(and(rIs(6), bufLastTaken), zero(3), rs)))))));
  rBeat.set(mux(started, zero(8), add(rBeat, constant(1, 8))), or(started, outFire));
  rOut.set(mux(and(rIs(2), rHostFire), openedLen,
    mux(and(rIs(4), ctrGrant), sealLen, sub(rOut, mux(lt(rOut, constant(8, 12)), rOut, constant(8, 12))))), or(or(and(rIs(2), rHostFire), and(rIs(4), ctrGrant)), outFire));
  rLastSeen.set(mux(started, zero(1), or(rLastSeen, bufLastTaken)));
  hostOwner.set(mux(eq(hostOwner, zero(2)), mux(rHostValid, constant(2, 2), mux(hostDispValid, constant(1, 2), zero(2))),
    mux(or(and(eq(hostOwner, constant(1, 2)), and(and(dIs(3), hostDispFire), frLast)), and(eq(hostOwner, constant(2, 2)), and(rIs(3), and(rHostFire, outLastHost)))), zero(2), hostOwner)));
  // The host stream.
  const hostFromRd = or(eq(hostOwner, constant(2, 2)), and(eq(hostOwner, zero(2)), rHostValid));
  const hDisp = mux(dIs(2), rawHeader, frData);
  const hDispKeep = mux(dIs(2), constant(0xff, 8), frKeep);
  const hRd = mux(rIs(2), openedHeader, bData);
  const hRdKeep = mux(rIs(2), constant(0xff, 8), keepOf(mux(lt(rOut, constant(8, 12)), m.slice(rOut, 3, 0), constant(8, 4))));
  m.output('m_host_tdata', 64, 'to the host: 8-byte header, then the frame').drive(mux(hostFromRd, hRd, hDisp));
  m.output('m_host_tkeep', 8).drive(mux(hostFromRd, hRdKeep, hDispKeep));
  m.output('m_host_tlast', 1).drive(mux(hostFromRd, and(rIs(3), outLastHost), and(dIs(3), frLast)));
  m.output('m_host_tvalid', 1).drive(mux(hostFromRd, rHostValid, hostDispValid));
  // Per sealed frame, for the egress headers: {target, link frame bytes}.
  const egQ = fifo({ width: pb + 12, depth: 16, ram: 'lut' });
  const egPop = m.wire('eg_pop', 1);
  const eg = m.instance(egQ, 'egress_ctx', { s_valid: and(rIs(4), ctrGrant), s_data: concat(aTarget, add(sealLen, constant(AEAD_TAG_BYTES, 12))), m_ready: egPop });
  m.assign(egCtxFull, not(eg.s_ready!));
  m.output('ev_tx_valid', 1, 'a frame was sealed for a peer (its txFrames)').drive(and(rIs(4), and(ctrGrant, not(egCtxFull))));
  m.output('ev_tx_peer', pb).drive(aTarget);
  m.output('ev_tx_bytes', 12).drive(add(sealLen, constant(AEAD_TAG_BYTES, 12)));

  // ---- egress: Ethernet, IPv4 and UDP in front of the sealed frame ------------------------------
  // States: 0 idle, 1 checksum, 2 header beats 0-4, 3 data, 4 flush.
  const es = m.reg('eg_state_reg', 3, { reset: 0 });
  const eIs = (s: number): Expr => eq(es, constant(s, 3));
  const eTarget = m.reg('eg_target_reg', pb);
  const eLen = m.reg('eg_len_reg', 12);
  const eBeat = m.reg('eg_beat_reg', 3);
  const eHold = m.reg('eg_hold_reg', 16, { doc: 'the last two bytes of the previous beat (shifting by 42 bytes)' });
  const eHoldN = m.reg('eg_hold_n_reg', 2, { doc: 'bytes in eg_hold' });
  const egTake = and(eIs(0), eg.m_valid!);
  m.assign(egPop, egTake);
  eTarget.set(m.slice(eg.m_data!, 11 + pb, 12), egTake);
  eLen.set(m.slice(eg.m_data!, 11, 0), egTake);
  const tPort = sel(m, peerPort, 4, eTarget, N, 'eg_port');
  const portSel = (vec: Expr, w: number, nm: string): Expr => (p.ports === 1 ? m.slice(vec, w - 1, 0) : sel(m, vec, w, m.slice(tPort, Math.log2(p.ports) - 1, 0), p.ports, nm));
  const srcMac = portSel(portMac, 48, 'eg_src_mac');
  const srcIp = portSel(portIp, 32, 'eg_src_ip');
  const srcUdp = portSel(portUdp, 16, 'eg_src_udp');
  const dstMac = sel(m, peerMac, 48, eTarget, N, 'eg_dst_mac');
  const dstIp = sel(m, peerIp, 32, eTarget, N, 'eg_dst_ip');
  const dstUdp = sel(m, peerUdp, 16, eTarget, N, 'eg_dst_udp');
  const ttl = sel(m, peerTtl, 8, eTarget, N, 'eg_ttl');
  const tos = sel(m, peerTos, 8, eTarget, N, 'eg_tos');
  const df = sel(m, peerDf, 1, eTarget, N, 'eg_df');
  const ipTotal = m.wire('eg_ip_total', add(zext(eLen, 16), constant(28, 16)));
  const udpLen = m.wire('eg_udp_len', add(zext(eLen, 16), constant(8, 16)));
  const ipWords = [concat(constant(0x45, 8), tos), ipTotal, zero(16), concat(zero(1), df, zero(14)), concat(ttl, constant(17, 8)), m.slice(srcIp, 31, 16), m.slice(srcIp, 15, 0), m.slice(dstIp, 31, 16), m.slice(dstIp, 15, 0)];
  const ipSum = m.reg('eg_ip_sum_reg', 20);
  ipSum.set(ipWords.map((w) => zext(w, 20)).reduce((a, b) => add(a, b)), eIs(1));
  const fold1 = m.wire('eg_fold1', add(zext(m.slice(ipSum, 15, 0), 17), zext(m.slice(ipSum, 19, 16), 17)));
  const folded = m.wire('eg_fold2', add(m.slice(fold1, 15, 0), zext(m.slice(fold1, 16, 16), 16)));
  const ipCsum = m.wire('eg_ip_checksum', not(folded));
  const hdr = [...beBytes(m, dstMac), ...beBytes(m, srcMac), constant(0x08, 8), zero(8), ...beBytes(m, ipWords[0]!), ...beBytes(m, ipTotal), zero(8), zero(8),
    ...beBytes(m, ipWords[3]!), ttl, constant(17, 8), ...beBytes(m, ipCsum), ...beBytes(m, srcIp), ...beBytes(m, dstIp), ...beBytes(m, srcUdp), ...beBytes(m, dstUdp), ...beBytes(m, udpLen), zero(8), zero(8)];
  const sD = seal.m_axis_tdata!;
  const sKeep = seal.m_axis_tkeep!;
  const sLast = seal.m_axis_tlast!;
  const sValid = seal.m_axis_tvalid!;
  const hdrBeat = (b: number): Expr => beatOf(hdr.slice(8 * b, 8 * b + 8));
  const headerBeat = [0, 1, 2, 3].reduce<Expr>((acc2, b) => mux(eq(eBeat, constant(b, 3)), hdrBeat(b), acc2), hdrBeat(4));
  // Data beats: {hold (2 bytes), the seal beat's bytes 0-5}; its bytes 6-7 wait in hold.
  const sBytes = m.wire('eg_seal_bytes', zext(Array.from({ length: 8 }, (_, k) => zext(m.slice(sKeep, k, k), 4)).reduce((a, b) => add(a, b)), 4));
  const dataBeat = beatOf([m.slice(eHold, 15, 8), m.slice(eHold, 7, 0), ...[0, 1, 2, 3, 4, 5].map((k) => byteOf(m, sD, k))]);
  const flushBeat = beatOf([m.slice(eHold, 15, 8), m.slice(eHold, 7, 0), ...Array.from({ length: 6 }, () => zero(8))]);
  const egValid = or(eIs(2), or(and(eIs(3), sValid), eIs(4)));
  const egFire = m.wire('eg_fire', and(egValid, egReady));
  const dataFire = and(eIs(3), egFire);
  const endsHere = and(sLast, lt(sBytes, constant(7, 4)));
  es.set(mux(egTake, constant(1, 3), mux(eIs(1), constant(2, 3),
    mux(and(and(eIs(2), egFire), eq(eBeat, constant(4, 3))), constant(3, 3),
      mux(and(dataFire, sLast), mux(endsHere, zero(3), constant(4, 3)),
        mux(and(eIs(4), egFire), zero(3), es))))));
  eBeat.set(mux(egTake, zero(3), add(eBeat, constant(1, 3))), or(egTake, and(eIs(2), egFire)));
  eHold.set(mux(eIs(2), concat(hdr[40]!, hdr[41]!), concat(byteOf(m, sD, 6), byteOf(m, sD, 7))), or(and(eIs(2), eq(eBeat, constant(4, 3))), dataFire));
  eHoldN.set(mux(eIs(2), constant(2, 2), mux(lt(sBytes, constant(8, 4)), mux(lt(sBytes, constant(7, 4)), zero(2), constant(1, 2)), constant(2, 2))), or(and(eIs(2), eq(eBeat, constant(4, 3))), dataFire));
  m.assign(sealMReady, and(eIs(3), egReady));
  m.output('m_egress_tdata', 64, 'an Ethernet frame for port m_egress_tdest').drive(mux(eIs(2), headerBeat, mux(eIs(4), flushBeat, dataBeat)));
  m.output('m_egress_tkeep', 8).drive(mux(eIs(2), constant(0xff, 8), mux(eIs(4), mux(eq(eHoldN, constant(1, 2)), constant(0x01, 8), constant(0x03, 8)), mux(sLast, keepOf(mux(lt(sBytes, constant(7, 4)), add(sBytes, constant(2, 4)), constant(8, 4))), constant(0xff, 8)))));
  m.output('m_egress_tlast', 1).drive(or(eIs(4), and(eIs(3), endsHere)));
  m.output('m_egress_tvalid', 1).drive(egValid);
  m.output('m_egress_tdest', 4, 'network port of the target peer').drive(tPort);
  // A frame is somewhere in the pipeline: in a stage, a queue, or an engine (its context queued).
  m.output('status_busy', 1, 'a frame is inside (tests wait for this to fall)').drive(
    [not(dIs(0)), ctx.m_valid!, bufIn.m_valid!, info.m_valid!, not(sIs(0)), act.m_valid!, not(rIs(0)), eg.m_valid!, not(eIs(0))].reduce((a, b) => or(a, b)));
  return m;
}
