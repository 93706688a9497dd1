// The ingress parser of one network port: Ethernet, IPv4 (header checksum checked), UDP
// (checksum checked when present) to the node's address and port, the sending peer (by its
// UDP source address and port, as the node's UDP transport finds a link), and the link
// header (version, type, flags, length, counter limit, session, receiver ID, key slot), in the
// order and with the reject names of the node's link layer (host/link/session.ts receive,
// frame.ts readFrameHeader). Frames land whole in a frame FIFO (a frame that does not fit is
// dropped and counted, never cut); with each frame's last beat the parser emits its
// descriptor (descriptor.ts): drop it (and which counter says why), hand it to the host raw
// (and why), or open it (peer, key slot, counter).
//
// The header bytes are captured as the first 8 beats go by; the UDP checksum is summed over
// every beat; after the last beat the checks run in a short pipeline over a snapshot of them
// (4 cycles), so the next frame can start at once.
import { COUNTER_LIMIT, FRAME_HEADER_BYTES, MAX_FRAME_BYTES, MessageType, MIN_FRAME_BYTES, PROTOCOL_VERSION, TAG_BYTES } from '../../spec/link-wire.ts';
import { PEER_COUNTERS, PORT_COUNTERS, type PeerCounter, type PortCounter } from '../../spec/forwarding/counters.ts';
import { HostReason } from '../../spec/forwarding/host-port.ts';
import { type Expr, type SignalRef, add, and, concat, constant, eq, lt, mux, ne, not, or, reduce, sliceRef, sub, zext } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module } from '../ir/module.ts';
import { powerOfTwo } from '../ir/params.ts';
import { fifo } from '../lib/fifo.ts';
import { frameFifo } from '../lib/frame-fifo.ts';
import { ACTION, LEN_BITS, MAX_FRAME_BEATS, descLayout } from './descriptor.ts';

export const ETH_HEADER_BYTES = 14;
export const IP_HEADER_BYTES = 20;
export const UDP_HEADER_BYTES = 8;
/** Bytes before the link datagram: Ethernet, IPv4 without options, UDP. */
export const L4_OFFSET = ETH_HEADER_BYTES + IP_HEADER_BYTES + UDP_HEADER_BYTES;
/** Header bytes the parser captures: up to the end of the link header. */
const HDR = L4_OFFSET + FRAME_HEADER_BYTES;
const ETHERTYPE_IPV4 = 0x0800;
const PROTO_UDP = 17;

/** Cycles from a frame's last beat to its descriptor. */
export const INGRESS_DESC_LATENCY = 5;

export const ingressParser = defineGenerator(
  'forwarding/ingress',
  '1.0.0',
  {
    peers: powerOfTwo('peers', 16, 2, 64),
    fifoDepth: powerOfTwo('beats of frame buffer', 1024, 64, 16384),
    descDepth: powerOfTwo('descriptors waiting (frames in the buffer)', 32, 4, 256),
  },
  (p, info) => {
    const N = p.peers;
    const pb = Math.log2(N);
    const m = new Module(`fp_ingress_n${N}_q${p.fifoDepth}`, info);
    const layout = descLayout(pb);
    m.describe(
      `Ingress parser of one network port: Ethernet/IPv4/UDP to the node, the sending peer (of ${N}), the link header;`,
      `frames buffered whole (${p.fifoDepth} beats, dropped whole when they do not fit), a ${layout.width}-bit descriptor per frame`,
      `${INGRESS_DESC_LATENCY} cycles after its last beat (rtl-gen/forwarding/descriptor.ts). s_axis_tready is always 1: a MAC cannot wait.`,
    );
    m.clock();
    m.reset();
    const tdata = m.input('s_axis_tdata', 64, 'frame beat; byte i in bits 8i+7..8i');
    const tkeep = m.input('s_axis_tkeep', 8, 'bytes present (contiguous from byte 0)');
    const tvalid = m.input('s_axis_tvalid', 1);
    const tlast = m.input('s_axis_tlast', 1);
    const portIndex = m.input('cfg_port_index', 4, 'this port\'s number (peers name the port they are reached on)');
    const fwdEnable = m.input('cfg_forward_enable', 1, 'forwarding on; off: every frame to the host raw');
    const myMac = m.input('cfg_mac', 48, 'node MAC, byte 0 in bits 47:40');
    const myIp = m.input('cfg_ip', 32, 'node IPv4, first octet in bits 31:24');
    const myPort = m.input('cfg_udp_port', 16);
    const peerEnabled = m.input('cfg_peer_enabled', N, 'per peer: the slot describes a neighbour');
    const peerSession = m.input('cfg_peer_session', N, 'per peer: the host has a session');
    const peerPort = m.input('cfg_peer_port', 4 * N, 'per peer: its network port');
    const peerIp = m.input('cfg_peer_ip', 32 * N, 'per peer: its IPv4 address');
    const peerUdp = m.input('cfg_peer_udp_port', 16 * N, 'per peer: its UDP port');
    const peerLocalId = m.input('cfg_peer_local_id', 32 * N, 'per peer: our session ID (receiver of its frames)');
    const peerRxValid = m.input('cfg_peer_rx_valid', N, 'per peer: a current receive key exists');
    const peerRxSlot = m.input('cfg_peer_rx_slot', N, 'per peer: generation parity of the current receive key');
    const rxKeyValid = m.input('cfg_rxkey_valid', 2 * N, 'per receive key slot (peer x 2 + parity): holds a key');
    const rxKeyGen = m.input('cfg_rxkey_gen', 64 * N, 'per receive key slot: its generation');
    const frameReady = m.input('m_frame_tready', 1);
    const descReady = m.input('m_desc_tready', 1);
    m.output('s_axis_tready', 1, 'always 1').drive(constant(1, 1));

    const byteOf = (e: Expr, k: number): Expr => m.slice(e, 8 * k + 7, 8 * k);
    const take = m.wire('take', tvalid);

    // ---- as beats go by: beat count, header bytes, UDP checksum ------------------------------
    const beat = m.reg('beat_reg', 8, { reset: 0, doc: 'beat index within the frame (saturates)' });
    const atMax = eq(beat, constant(MAX_FRAME_BEATS, 8));
    beat.set(mux(tlast, constant(0, 8), mux(atMax, beat, add(beat, constant(1, 8)))), take);
    // Bytes the checks read: destination MAC (0-5), then everything from the ethertype (12) on.
    const hdr: Array<SignalRef | undefined> = [];
    for (let i = 0; i < HDR; i++) {
      if (i >= 6 && i < 12) {
        hdr.push(undefined);
        continue;
      }
      const r = m.reg(`hdr${i}_reg`, 8, { doc: i === 0 ? 'frame byte i, captured as its beat goes by' : undefined });
      r.set(byteOf(tdata, i % 8), and(take, eq(beat, constant(i >> 3, 8))));
      hdr.push(r);
    }
    const be = (from: number, n: number): Expr => concat(...hdr.slice(from, from + n).map((h) => h!)); // big-endian field
    // UDP checksum: words of the UDP header and payload (bytes 34 .. 34 + ulen), summed per beat.
    // rem = bytes of the UDP datagram still to come at this beat's byte 0 (beat 4 starts 2 bytes before it).
    const udpFirstBeat = (ETH_HEADER_BYTES + IP_HEADER_BYTES) >> 3; // 4
    const atUdpBeat = m.wire('at_udp_beat', eq(beat, constant(udpFirstBeat, 8)));
    const ulenNow = m.wire('ulen_now', concat(byteOf(tdata, 6), byteOf(tdata, 7)), 'UDP length, in beat 4 bytes 6-7');
    const rem = m.reg('udp_rem_reg', 17, { doc: 'UDP bytes from the next beat on (with its 8 bytes subtracted per beat)' });
    const remNow = m.wire('rem_now', mux(atUdpBeat, add(zext(ulenNow, 17), constant(2, 17)), rem), 'bytes of the datagram from this beat\'s byte 0 on (beat 4: counted from byte 2 less 2)');
    rem.set(mux(lt(remNow, constant(8, 17)), constant(0, 17), sub(remNow, constant(8, 17))), and(take, not(lt(beat, constant(udpFirstBeat, 8)))));
    const inUdp = m.wire('in_udp', and(not(lt(beat, constant(udpFirstBeat, 8))), tvalid));
    const byteIn: Expr[] = [];
    for (let k = 0; k < 8; k++) {
      const afterStart = k >= 2 ? constant(1, 1) : not(atUdpBeat);
      // remNow counts from byte 0 of the beat (beat 4: ulen + 2 so bytes 2.. are the datagram).
      const beforeEnd = lt(constant(k, 17), remNow);
      byteIn.push(m.wire(`udp_byte${k}_in`, and(and(inUdp, afterStart), and(beforeEnd, m.slice(tkeep, k, k)))));
    }
    const words: Expr[] = [];
    for (let j = 0; j < 4; j++) {
      const hi = mux(byteIn[2 * j]!, byteOf(tdata, 2 * j), constant(0, 8));
      const lo = mux(byteIn[2 * j + 1]!, byteOf(tdata, 2 * j + 1), constant(0, 8));
      words.push(concat(hi, lo));
    }
    const pair0 = m.reg('csum_pair0_reg', 17, { reset: 0 });
    const pair1 = m.reg('csum_pair1_reg', 17, { reset: 0 });
    pair0.set(add(zext(words[0]!, 17), zext(words[1]!, 17)));
    pair1.set(add(zext(words[2]!, 17), zext(words[3]!, 17)));
    const pairStart = m.reg('csum_start_reg', 1, { reset: 0, doc: 'the pairs are the first of a frame\'s datagram' });
    pairStart.set(and(take, atUdpBeat));
    const acc = m.reg('csum_acc_reg', 26, { reset: 0, doc: 'sum of the datagram\'s 16-bit words' });
    const pairs = add(zext(pair0, 26), zext(pair1, 26));
    acc.set(mux(pairStart, pairs, add(acc, pairs)));

    // ---- frame buffer --------------------------------------------------------------------
    const descCount = m.reg('desc_count_reg', Math.log2(p.descDepth) + 1, { reset: 0, doc: 'frames committed or being checked whose descriptor is not yet taken' });
    const starting = m.reg('starting_reg', 1, { reset: 1, doc: 'the next beat starts a frame' });
    starting.set(tlast, take);
    const noDescRoom = m.wire('no_desc_room', eq(descCount, constant(p.descDepth, descCount.width)));
    const refuse = m.reg('refuse_reg', 1, { reset: 0, doc: 'the frame under way is refused: no descriptor room at its start' });
    const refuseNow = m.wire('refuse_now', mux(starting, noDescRoom, refuse));
    refuse.set(refuseNow, take);
    const ff = m.instance(frameFifo({ width: 72, depth: p.fifoDepth }), 'frames', {
      s_valid: take, s_data: concat(tkeep, tdata), s_last: tlast, s_abort: refuseNow, m_ready: frameReady,
    });

    // ---- after the last beat: snapshot and checks ---------------------------------------
    const lastBytes = m.wire('last_bytes', zext(Array.from({ length: 8 }, (_, k) => zext(m.slice(tkeep, k, k), 4)).reduce((a, b) => add(a, b)), LEN_BITS + 1));
    const frameLen = m.wire('frame_len', add(concat(zext(beat, LEN_BITS - 2), constant(0, 3)), lastBytes), 'bytes of the frame ending now');
    // P1: the frame's end. Its header registers are complete one cycle later.
    const e1 = m.reg('end1_reg', 1, { reset: 0, doc: 'a frame ended last cycle' });
    const good1 = m.reg('good1_reg', 1, { doc: 'it was committed (not dropped in the buffer)' });
    const len1 = m.reg('len1_reg', LEN_BITS + 1);
    const long1 = m.reg('long1_reg', 1, { doc: 'longer than the descriptor can say' });
    e1.set(and(take, tlast));
    good1.set(ff.committed!);
    len1.set(frameLen);
    long1.set(atMax);
    // P2: the header's checks, as flags, with the fields later stages need. Every stage keeps
    // its own copy, so frames may end on consecutive cycles (runts) and still each get theirs.
    const e2 = m.reg('end2_reg', 1, { reset: 0 });
    e2.set(and(e1, good1));
    const at2 = (name: string, e: Expr): SignalRef => {
      const r = m.reg(`${name}_p2_reg`, e.width);
      r.set(e, e1);
      return r;
    };
    const lenMinus = (n: number): Expr => constant(n, LEN_BITS + 1);
    const ipTotal = m.wire('ip_total', be(16, 2));
    const ulen = m.wire('ulen', be(38, 2));
    const verIhl = hdr[14]!;
    const dgramNow = m.wire('dgram_now', sub(m.slice(ulen, LEN_BITS, 0), constant(UDP_HEADER_BYTES, LEN_BITS + 1)), 'the link datagram\'s bytes');
    const dgramWide = zext(dgramNow, 16);
    const linkCounter = m.wire('link_counter', be(54, 8));
    const c = {
      badEth: at2('bad_eth', or(long1, lt(len1, lenMinus(ETH_HEADER_BYTES)))),
      otherMac: at2('other_mac', not(or(eq(be(0, 6), myMac), m.slice(hdr[0]!, 0, 0)))),
      notIp: at2('not_ipv4', ne(be(12, 2), constant(ETHERTYPE_IPV4, 16))),
      shortIp: at2('short_ip', lt(len1, lenMinus(ETH_HEADER_BYTES + IP_HEADER_BYTES))),
      badVer: at2('bad_ver', or(ne(m.slice(verIhl, 7, 4), constant(4, 4)), lt(m.slice(verIhl, 3, 0), constant(5, 4)))),
      options: at2('ip_options', ne(m.slice(verIhl, 3, 0), constant(5, 4))),
      ipLen: at2('bad_ip_len', or(lt(ipTotal, constant(IP_HEADER_BYTES, 16)), lt(zext(sub(len1, lenMinus(ETH_HEADER_BYTES)), 16), ipTotal))),
      frag: at2('fragment', ne(and(be(20, 2), constant(0x3fff, 16)), constant(0, 16))),
      notUdp: at2('not_udp', ne(hdr[23]!, constant(PROTO_UDP, 8))),
      otherIp: at2('other_ip', ne(be(30, 4), myIp)),
      udpLen: at2('bad_udp_len', or(lt(ipTotal, constant(IP_HEADER_BYTES + UDP_HEADER_BYTES, 16)), or(lt(ulen, constant(UDP_HEADER_BYTES, 16)), lt(sub(ipTotal, constant(IP_HEADER_BYTES, 16)), ulen)))),
      otherPort: at2('other_port', ne(be(36, 2), myPort)),
      csumZero: at2('udp_csum_zero', eq(be(40, 2), constant(0, 16))),
      dgTiny: at2('dgram_tiny', lt(dgramWide, constant(2, 16))),
      badLinkVer: at2('bad_link_version', ne(hdr[42]!, constant(PROTOCOL_VERSION, 8))),
      handshake: at2('handshake', or(eq(hdr[43]!, constant(MessageType.HandshakeInit, 8)), eq(hdr[43]!, constant(MessageType.HandshakeResp, 8)))),
      notTransport: at2('not_transport', ne(hdr[43]!, constant(MessageType.Transport, 8))),
      dgShort: at2('dgram_short', lt(dgramWide, constant(MIN_FRAME_BYTES, 16))),
      dgLong: at2('dgram_long', lt(constant(MAX_FRAME_BYTES, 16), dgramWide)),
      flags: at2('link_flags', ne(be(44, 2), constant(0, 16))),
      // The body (datagram less header and tag) must be whole 16-byte granules: its low 4 bits.
      badLength: at2('bad_length', ne(sub(m.slice(dgramNow, 3, 0), constant((FRAME_HEADER_BYTES + TAG_BYTES) & 15, 4)), constant(0, 4))),
      limit: at2('counter_limit', not(lt(linkCounter, constant(COUNTER_LIMIT, 64)))),
    };
    const len = at2('len', len1);
    const dgram = at2('dgram', dgramNow);
    const receiver2 = at2('receiver', be(46, 4));
    const generation2 = at2('generation', be(50, 4));
    const counter2 = at2('counter', sliceRef(linkCounter, 51, 0));
    const srcIp = at2('src_ip', be(26, 4));
    const srcPort = at2('src_port', be(34, 2));
    const ipWordSum = at2('ip_word_sum', Array.from({ length: 10 }, (_, i) => zext(be(14 + 2 * i, 2), 20)).reduce((x, y) => add(x, y)));
    const pseudoSum = at2('pseudo_sum', [be(26, 2), be(28, 2), be(30, 2), be(32, 2), constant(PROTO_UDP, 16), ulen].map((w) => zext(w, 20)).reduce((x, y) => add(x, y)));
    // P3: checksums folded (the UDP sum is complete now), peer matched; P2's flags carried.
    const e3 = m.reg('end3_reg', 1, { reset: 0 });
    e3.set(e2);
    const carry = (from: Record<string, SignalRef>, stage: string, en: Expr): Record<string, SignalRef> =>
      Object.fromEntries(Object.entries(from).map(([k, v]) => {
        const r = m.reg(`${v.name.replace(/_p\d_reg$/, '')}_${stage}_reg`, v.width);
        r.set(v, en);
        return [k, r];
      }));
    const fold = (name: string, sum: Expr): Expr => {
      const once = m.wire(`${name}_fold1`, add(zext(m.slice(sum, 15, 0), 17), zext(m.slice(sum, sum.width - 1, 16), 17)));
      return m.wire(`${name}_fold2`, add(m.slice(once, 15, 0), zext(m.slice(once, 16, 16), 16)));
    };
    const c3 = carry({ ...c, len, dgram, receiver: receiver2, generation: generation2, counter: counter2 }, 'p3', e2);
    const ipOk = m.reg('ip_csum_ok_p3_reg', 1);
    ipOk.set(eq(fold('ip_csum', ipWordSum), constant(0xffff, 16)), e2);
    const udpSum = m.wire('udp_sum', add(acc, zext(pseudoSum, 26)));
    const udpOk = m.reg('udp_csum_ok_p3_reg', 1);
    udpOk.set(eq(fold('udp_csum', udpSum), constant(0xffff, 16)), e2);
    const matches: Expr[] = [];
    for (let q = 0; q < N; q++) {
      matches.push(and(and(m.slice(peerEnabled, q, q), eq(m.slice(peerPort, 4 * q + 3, 4 * q), portIndex)),
        and(eq(m.slice(peerIp, 32 * q + 31, 32 * q), srcIp), eq(m.slice(peerUdp, 16 * q + 15, 16 * q), srcPort))));
    }
    const match = m.reg('match_p3_reg', N, { doc: 'peers whose address and port sent the frame' });
    match.set(concat(...[...matches].reverse()), e2);
    // P4: the peer's state; P3's results carried.
    const e4 = m.reg('end4_reg', 1, { reset: 0 });
    e4.set(e3);
    const c4 = carry({ ...c3, ipOk, udpOk }, 'p4', e3);
    const onehot: Expr[] = [];
    for (let q = 0; q < N; q++) onehot.push(and(m.slice(match, q, q), q === 0 ? constant(1, 1) : not(reduce('or', m.slice(match, q - 1, 0)))));
    const pick = (vec: Expr, w: number): Expr => onehot.map((h, q) => and(concat(...Array.from({ length: w }, () => h)), m.slice(vec, w * q + w - 1, w * q))).reduce((x, y) => or(x, y));
    const at4 = (name: string, e: Expr): SignalRef => {
      const r = m.reg(`${name}_p4_reg`, e.width);
      r.set(e, e3);
      return r;
    };
    const peerIdx = at4('peer', onehot.map((h, q) => and(concat(...Array.from({ length: pb }, () => h)), constant(q, pb))).reduce((x, y) => or(x, y)));
    const peerFound = at4('peer_found', reduce('or', match));
    const session = at4('session', pick(peerSession, 1));
    const localId = at4('local_id', pick(peerLocalId, 32));
    const rxValid = at4('rx_valid', pick(peerRxValid, 1));
    const rxSlot = at4('rx_slot', pick(peerRxSlot, 1));
    const parity3 = m.wire('parity_p3', m.slice(c3.generation!, 0, 0));
    const slots = (vec: Expr, w: number, parity: number, name: string): Expr => m.wire(name, slotsOf(m, vec, w, N, parity));
    const keyValid = at4('key_valid', mux(parity3, pick(slots(rxKeyValid, 1, 1, 'rxkey_valid_odd'), 1), pick(slots(rxKeyValid, 1, 0, 'rxkey_valid_even'), 1)));
    const keyGen = at4('key_gen', mux(parity3, pick(slots(rxKeyGen, 32, 1, 'rxkey_gen_odd'), 32), pick(slots(rxKeyGen, 32, 0, 'rxkey_gen_even'), 32)));
    const parity = m.wire('parity', m.slice(c4.generation!, 0, 0));
    type Outcome = { action: keyof typeof ACTION; reason?: keyof typeof HostReason; port?: PortCounter; peer?: PeerCounter };
    const rules: Array<[Expr, Outcome]> = [
      [not(fwdEnable), { action: 'host', reason: 'passThrough' }],
      [c4.badEth!, { action: 'drop', port: 'badHeader' }],
      [c4.otherMac!, { action: 'drop', port: 'otherMac' }],
      [c4.notIp!, { action: 'host', reason: 'other' }],
      [c4.shortIp!, { action: 'drop', port: 'badHeader' }],
      [c4.badVer!, { action: 'drop', port: 'badHeader' }],
      [c4.options!, { action: 'host', reason: 'other' }],
      [not(c4.ipOk!), { action: 'drop', port: 'ipChecksum' }],
      [c4.ipLen!, { action: 'drop', port: 'badHeader' }],
      [c4.frag!, { action: 'host', reason: 'other' }],
      [c4.notUdp!, { action: 'host', reason: 'other' }],
      [c4.otherIp!, { action: 'host', reason: 'other' }],
      [c4.udpLen!, { action: 'drop', port: 'badHeader' }],
      [c4.otherPort!, { action: 'host', reason: 'other' }],
      [and(not(c4.csumZero!), not(c4.udpOk!)), { action: 'drop', port: 'udpChecksum' }],
      [not(peerFound), { action: 'host', reason: 'unknownSource' }],
      // The link layer (host/link/session.ts receive, then frame.ts readFrameHeader).
      [c4.dgTiny!, { action: 'drop', peer: 'truncated' }],
      [c4.badLinkVer!, { action: 'drop', peer: 'badVersion' }],
      [c4.handshake!, { action: 'host', reason: 'handshake' }],
      [c4.notTransport!, { action: 'drop', peer: 'badType' }],
      [c4.dgShort!, { action: 'drop', peer: 'truncated' }],
      [c4.dgLong!, { action: 'drop', peer: 'oversized' }],
      [c4.flags!, { action: 'drop', peer: 'badFlags' }],
      [c4.badLength!, { action: 'drop', peer: 'badLength' }],
      [c4.limit!, { action: 'drop', peer: 'counterLimit' }],
      [not(session), { action: 'drop', peer: 'noSession' }],
      [ne(c4.receiver!, localId), { action: 'drop', peer: 'wrongPeer' }],
      [or(not(keyValid), ne(keyGen, c4.generation!)), { action: 'drop', peer: 'wrongGeneration' }],
    ];
    const fallback: Outcome = { action: 'open' };
    const enc = (o: Outcome): Expr => concat(
      constant(ACTION[o.action], 2), constant(o.reason ? HostReason[o.reason] : 0, 4), constant(o.peer ? 1 : 0, 1),
      constant(o.peer ? PEER_COUNTERS.indexOf(o.peer) : o.port ? PORT_COUNTERS.indexOf(o.port) : 0, 5),
    );
    const verdict = rules.reduceRight<Expr>((acc2, [cond, o]) => mux(cond, enc(o), acc2), enc(fallback));
    const verdictW = m.wire('verdict', verdict, '{action, reason, drop_peer, drop_kind}: the first rule that applies');
    const f = layout.fields;
    const fieldVal: Record<string, Expr> = {
      action: m.slice(verdictW, 11, 10),
      reason: m.slice(verdictW, 9, 6),
      drop_peer: m.slice(verdictW, 5, 5),
      drop_kind: m.slice(verdictW, 4, 0),
      peer_valid: peerFound,
      peer: peerIdx,
      frame_bytes: c4.len!,
      dgram_bytes: c4.dgram!,
      parity,
      next_key: or(not(rxValid), ne(rxSlot, parity)),
      counter: c4.counter!,
    };
    const descWord = concat(...Object.values(f).sort((a, b) => b.lo - a.lo).map((x) => fieldVal[x.name]!));
    // Never full: frames are refused at their start when descDepth descriptors are waiting.
    const dq = m.instance(fifo({ width: layout.width, depth: p.descDepth, ram: 'lut' }), 'descs', { s_valid: e4, s_data: descWord, m_ready: descReady }, { unused: ['s_ready'] });
    // Frames whose descriptor is not yet taken: +1 as a frame is accepted at its first beat,
    // -1 as a descriptor is taken or an accepted frame is dropped in the buffer (it has none).
    const startAccept = m.wire('start_accept', and(and(take, starting), not(noDescRoom)));
    const accepted = m.reg('accepted_reg', 1, { reset: 0, doc: 'the frame under way was counted at its start' });
    accepted.set(mux(starting, not(noDescRoom), accepted), take);
    const acceptedNow = m.wire('accepted_now', mux(starting, not(noDescRoom), accepted));
    const descTaken = m.wire('desc_taken', and(dq.m_valid!, descReady));
    const lostAccepted = m.wire('lost_accepted', and(ff.overflow!, acceptedNow));
    const w = descCount.width;
    const one = (e: Expr): Expr => mux(e, constant(1, w), constant(0, w));
    descCount.set(sub(add(descCount, one(startAccept)), add(one(descTaken), one(lostAccepted))));

    m.output('m_frame_tdata', 64).drive(m.slice(ff.m_data!, 63, 0));
    m.output('m_frame_tkeep', 8).drive(m.slice(ff.m_data!, 71, 64));
    m.output('m_frame_tlast', 1).drive(ff.m_last!);
    m.output('m_frame_tvalid', 1).drive(ff.m_valid!);
    m.output('m_desc_tdata', layout.width, 'descriptor (descriptor.ts)').drive(dq.m_data!);
    m.output('m_desc_tvalid', 1).drive(dq.m_valid!);
    m.output('ev_rx_valid', 1, 'a frame ended (port rxFrames)').drive(and(take, tlast));
    m.output('ev_rx_bytes', LEN_BITS + 1, 'its bytes').drive(frameLen);
    m.output('ev_overflow', 1, 'a frame was dropped: no room (port rxOverflow)').drive(ff.overflow!);
    m.output('status_busy', 1, 'a frame is inside: arriving, being checked, or waiting').drive(or(or(not(starting), or(e1, or(e2, or(e3, e4)))), or(ff.m_valid!, dq.m_valid!)));
    return m;
  },
);

/** Slot `parity` of each peer from a vector of per-slot fields (slot = peer x 2 + parity). */
function slotsOf(m: Module, vec: Expr, w: number, n: number, parity: number): Expr {
  return concat(...Array.from({ length: n }, (_, q) => m.slice(vec, (2 * q + parity) * w + w - 1, (2 * q + parity) * w)).reverse());
}
