// The forwarding plane: N network ports, each with its ingress parser (ingress.ts) and
// forwarding pipeline (pipeline.ts); what they share: the route table (the hashed CAM,
// rtl-gen/cam/hash-cam.ts, keyed by (peer, route ID)), the replay windows (replay.ts), the
// transmit counters of every key (one counter space per key: forwarded and host-sealed frames
// alike), the key engine that installs keys into every engine, the counter banks
// (counters.ts: rule, peer, port), the host port, and the egress arbiters (one per port).
//
//   rx0 ─ ingress ─ pipeline 0 ─┐              ┌─ egress 0 ─ tx0
//   rx1 ─ ingress ─ pipeline 1 ─┼─ by port ────┼─ egress 1 ─ tx1
//               host (raw) ─────┘              │
//   pipelines ─ host arbiter ─ m_host          │
//   s_host ─ raw frames by their egress port ──┘
//   route table, replay windows, transmit counters, key engine, counters: shared
//
// Configuration comes in as vectors (fp_top wires the CSR block's registers to them).
import { SLOTS_PER_PEER } from '../../spec/key-slots.ts';
import { COUNTER_BANKS, PEER_COUNTER_STRIDE, PORT_COUNTERS, PORT_COUNTER_STRIDE, type PortCounter } from '../../spec/forwarding/counters.ts';
import { HostKind } from '../../spec/forwarding/host-port.ts';
import { type FwdParams, fwdParams } from '../../spec/forwarding/params.ts';
import { KEY_OPS } from '../../spec/forwarding/registers.ts';
import { ROUTE_KEY_BITS, ROUTE_VALUE_BITS } from '../../spec/forwarding/route-key.ts';
import { type Expr, type SignalRef, add, and, concat, constant, eq, lt, mux, not, or, sub, zext } from '../ir/expr.ts';
import { Module, type RegHandle } from '../ir/module.ts';
import { hashCam } from '../cam/hash-cam.ts';
import { BEAT } from './bytes.ts';
import { counterBank } from './counters.ts';
import { LEN_BITS } from './descriptor.ts';
import { ingressParser } from './ingress.ts';
import { forwardingPipeline } from './pipeline.ts';
import { replayWindows } from './replay.ts';

export interface PlaneParams extends FwdParams {
  /** AEAD engine parameters of every engine (keySlots is set from the peers). */
  aead: Record<string, number | string>;
  /** Beats of each port's ingress frame buffer and plaintext buffer. */
  ingressBeats: number;
  bufferBeats: number;
  /** Block RAM of the route table and replay windows: ECP5 tiles or inferred. */
  ram: 'ecp5' | 'inferred';
}

const log2c = (n: number): number => Math.max(1, Math.ceil(Math.log2(n)));

/** Round-robin grant among `valids` (one per requester), `last` the requester served last. */
function roundRobin(m: Module, name: string, valids: Expr[], enable: Expr): { grants: Expr[]; any: Expr; last: RegHandle } {
  const n = valids.length;
  const lb = log2c(n);
  const last = m.reg(`${name}_last_reg`, lb, { reset: 0 });
  const grants = valids.map((v, r) => {
    let g: Expr = and(v, enable);
    valids.forEach((o, k) => {
      if (k === r) return;
      const terms: Expr[] = [];
      for (let l = 0; l < n; l++) {
        const pos = (x: number): number => (((x - l - 1) % n) + n) % n;
        if (pos(k) < pos(r)) terms.push(eq(last, constant(l, lb)));
      }
      if (terms.length) g = and(g, not(and(o, terms.reduce((a, b) => or(a, b)))));
    });
    return m.wire(`${name}_grant${r}`, g);
  });
  const any = m.wire(`${name}_any`, grants.reduce<Expr>((a, b) => or(a, b), constant(0, 1)));
  last.set(grants.slice(1).reduce<Expr>((acc, g, i) => mux(g, constant(i + 1, lb), acc), constant(0, lb)), any);
  return { grants, any, last };
}

/** Frame-granular arbiter: a grant holds from a frame's first beat to its last. */
function frameArbiter(m: Module, name: string, valids: Expr[], lasts: Expr[], ready: Expr): { sel: Expr[]; valid: Expr } {
  const n = valids.length;
  const owner = m.reg(`${name}_owner_reg`, n, { reset: 0, doc: 'the source whose frame is going out (one-hot)' });
  const free = m.wire(`${name}_free`, eq(owner, constant(0, n)));
  const rr = roundRobin(m, name, valids, free);
  const sel = valids.map((_, i) => m.wire(`${name}_sel${i}`, or(m.slice(owner, i, i), rr.grants[i]!)));
  const valid = m.wire(`${name}_valid`, sel.map((s, i) => and(s, valids[i]!)).reduce((a, b) => or(a, b)));
  const lastOut = sel.map((s, i) => and(s, lasts[i]!)).reduce((a, b) => or(a, b));
  owner.set(mux(and(and(valid, ready), lastOut), constant(0, n), concat(...[...sel].reverse())));
  return { sel, valid };
}

export function forwardingPlane(given: Partial<PlaneParams> & Pick<PlaneParams, 'aead'>): Module {
  const fp = fwdParams(Object.fromEntries(Object.entries(given).filter(([k]) => !['aead', 'ingressBeats', 'bufferBeats', 'ram'].includes(k))) as Partial<FwdParams>);
  const p: PlaneParams = { ...fp, aead: given.aead, ingressBeats: given.ingressBeats ?? 1024, bufferBeats: given.bufferBeats ?? 512, ram: given.ram ?? 'ecp5' };
  const P = p.ports;
  const N = p.peers;
  const pb = Math.log2(N);
  const ppb = log2c(P);
  const pipe = forwardingPipeline({ peers: N, ports: P, ruleCounters: p.ruleCounters, aead: p.aead, bufferBeats: p.bufferBeats }, `fp_pipeline_n${N}_p${P}_b${p.bufferBeats}`);
  const ing = ingressParser({ peers: N, fifoDepth: p.ingressBeats, descDepth: 32 });
  const m = new Module(`fp_plane_p${P}_n${N}_r${p.routeEntries}`, {
    name: 'forwarding/plane', version: '1.0.0',
    params: { ports: P, peers: N, routeEntries: p.routeEntries, routeWays: p.routeWays, routeStash: p.routeStash, ruleCounters: p.ruleCounters, ingressBeats: p.ingressBeats, bufferBeats: p.bufferBeats, ram: p.ram, engine: pipe.instances.find((i) => i.name === 'open')!.module.name },
  });
  m.describe(
    `Skywire forwarding plane: ${P} network port(s) of 64-bit AXI-Stream, ${N} peers, a ${p.routeEntries} + ${p.routeStash}-slot route table, ${p.ruleCounters} rule counters.`,
    'Configuration, keys, route commands and counter reads come from the CSR block (fp_top); docs/registers.md describes them.',
  );
  m.clock();
  m.reset();
  const one = constant(1, 1);
  const zero = (w: number): Expr => constant(0, w);

  // ---- configuration --------------------------------------------------------------------------
  const cfg = {
    fwd: m.input('cfg_forward_enable', 1),
    portMac: m.input('cfg_port_mac', 48 * P), portIp: m.input('cfg_port_ip', 32 * P), portUdp: m.input('cfg_port_udp', 16 * P),
    enabled: m.input('cfg_peer_enabled', N), session: m.input('cfg_peer_session', N), up: m.input('cfg_peer_up', N), pad32: m.input('cfg_peer_pad32', N),
    txValid: m.input('cfg_peer_tx_valid', N), txSlot: m.input('cfg_peer_tx_slot', N), rxValid: m.input('cfg_peer_rx_valid', N), rxSlot: m.input('cfg_peer_rx_slot', N),
    port: m.input('cfg_peer_port', 4 * N), localId: m.input('cfg_peer_local_id', 32 * N), remoteId: m.input('cfg_peer_remote_id', 32 * N),
    mac: m.input('cfg_peer_mac', 48 * N), ip: m.input('cfg_peer_ip', 32 * N), udp: m.input('cfg_peer_udp_port', 16 * N),
    ttl: m.input('cfg_peer_ttl', 8 * N), tos: m.input('cfg_peer_tos', 8 * N), df: m.input('cfg_peer_df', N),
  };
  const keyCmd = { valid: m.input('key_cmd_valid', 1), slot: m.input('key_cmd_slot', 8), op: m.input('key_cmd_op', 2), words: m.input('key_words', 256, 'staged key, word i in bits 32i+31..32i'), gen: m.input('key_generation', 32) };
  const routeCmd = { valid: m.input('route_cmd_valid', 1), op: m.input('route_cmd_op', 2), slot: m.input('route_cmd_slot', log2c(p.routeEntries + p.routeStash)), key: m.input('route_cmd_key', ROUTE_KEY_BITS), value: m.input('route_cmd_value', ROUTE_VALUE_BITS) };
  const cntCmd = { valid: m.input('counter_cmd_valid', 1), bank: m.input('counter_cmd_bank', 4), index: m.input('counter_cmd_index', 16), clear: m.input('counter_cmd_clear', 1) };

  // ---- key slots: metadata, transmit counters --------------------------------------------------
  const slots = N * SLOTS_PER_PEER;
  const slotValid = m.reg('key_slot_valid_reg', slots, { reset: 0, doc: 'per key slot (peer x 4 + rx x 2 + parity): holds a key' });
  const slotGen: RegHandle[] = Array.from({ length: slots }, (_, s) => m.reg(`key_slot${s}_gen_reg`, 32));
  const rxValidVec = concat(...Array.from({ length: 2 * N }, (_, i) => m.slice(slotValid, 4 * (i >> 1) + 2 + (i & 1), 4 * (i >> 1) + 2 + (i & 1))).reverse());
  const rxGenVec = concat(...Array.from({ length: 2 * N }, (_, i) => slotGen[4 * (i >> 1) + 2 + (i & 1)]!).reverse());
  const txGenVec = concat(...Array.from({ length: 2 * N }, (_, i) => slotGen[4 * (i >> 1) + (i & 1)]!).reverse());
  const txCtr: RegHandle[] = Array.from({ length: 2 * N }, (_, i) => m.reg(`tx_counter${i}_reg`, 52, { reset: 0, doc: i === 0 ? 'next transmit counter of tx key slot (peer x 2 + parity)' : undefined }));
  const curCtr = Array.from({ length: N }, (_, q) => m.wire(`tx_current${q}`, mux(m.slice(cfg.txSlot, q, q), txCtr[2 * q + 1]!, txCtr[2 * q]!)));
  const curCtrVec = m.wire('tx_current', concat(...[...curCtr].reverse()));

  // ---- ingress and pipelines ------------------------------------------------------------------
  const hostReadyW = m.wire('host_up_ready', 1);
  const camResValid = m.wire('cam_res_valid', 1);
  const camResTag = m.wire('cam_res_tag', ppb);
  const camResHit = m.wire('cam_res_hit', 1);
  const camResValue = m.wire('cam_res_value', ROUTE_VALUE_BITS);
  const rpResValid: SignalRef[] = [];
  const rpReady: SignalRef[] = [];
  const rpVerdict = m.wire('replay_verdict', 2);
  const ctrGrantW: SignalRef[] = [];
  const ctrValueW = m.wire('ctr_value', 52);
  const camReqReady: SignalRef[] = [];
  const egReady: SignalRef[] = [];
  const keyWr = { open: { valid: m.wire('open_key_valid', 1), slot: m.wire('engine_key_slot', pb + 1), word: m.wire('engine_key_word', 3), data: m.wire('engine_key_data', 32) }, sealValid: m.wire('seal_key_valid', 1) };
  const ings: Array<Record<string, SignalRef>> = [];
  const pipes: Array<Record<string, SignalRef>> = [];
  const hostReady: SignalRef[] = [];
  for (let i = 0; i < P; i++) {
    const rx = { tdata: m.input(`s_axis_rx${i}_tdata`, 64), tkeep: m.input(`s_axis_rx${i}_tkeep`, 8), tvalid: m.input(`s_axis_rx${i}_tvalid`, 1), tlast: m.input(`s_axis_rx${i}_tlast`, 1) };
    const descReady = m.wire(`desc${i}_ready`, 1);
    const frameReady = m.wire(`frame${i}_ready`, 1);
    const g = m.instance(ing, `ingress${i}`, {
      s_axis_tdata: rx.tdata, s_axis_tkeep: rx.tkeep, s_axis_tvalid: rx.tvalid, s_axis_tlast: rx.tlast,
      cfg_port_index: constant(i, 4), cfg_forward_enable: cfg.fwd, cfg_mac: m.slice(cfg.portMac, 48 * i + 47, 48 * i), cfg_ip: m.slice(cfg.portIp, 32 * i + 31, 32 * i), cfg_udp_port: m.slice(cfg.portUdp, 16 * i + 15, 16 * i),
      cfg_peer_enabled: cfg.enabled, cfg_peer_session: cfg.session, cfg_peer_port: cfg.port, cfg_peer_ip: cfg.ip, cfg_peer_udp_port: cfg.udp, cfg_peer_local_id: cfg.localId,
      cfg_peer_rx_valid: cfg.rxValid, cfg_peer_rx_slot: cfg.rxSlot, cfg_rxkey_valid: rxValidVec, cfg_rxkey_gen: rxGenVec,
      m_frame_tready: frameReady, m_desc_tready: descReady,
    });
    m.output(`s_axis_rx${i}_tready`, 1).drive(g.s_axis_tready!);
    ings.push(g);
    rpResValid.push(m.wire(`replay_res${i}_valid`, 1));
    rpReady.push(m.wire(`replay_req${i}_ready`, 1));
    ctrGrantW.push(m.wire(`ctr_grant${i}`, 1));
    camReqReady.push(m.wire(`cam_req${i}_ready`, 1));
    egReady.push(m.wire(`egress_src${i}_ready`, 1));
    hostReady.push(m.wire(`host_src${i}_ready`, 1));
    const pl = m.instance(pipe, `pipeline${i}`, {
      s_desc_tdata: g.m_desc_tdata!, s_desc_tvalid: g.m_desc_tvalid!, s_frame_tdata: g.m_frame_tdata!, s_frame_tkeep: g.m_frame_tkeep!, s_frame_tlast: g.m_frame_tlast!, s_frame_tvalid: g.m_frame_tvalid!,
      cfg_port_index: constant(i, 4), cfg_port_mac: cfg.portMac, cfg_port_ip: cfg.portIp, cfg_port_udp: cfg.portUdp,
      cfg_peer_up: cfg.up, cfg_peer_tx_valid: cfg.txValid, cfg_peer_tx_slot: cfg.txSlot, cfg_peer_pad32: cfg.pad32, cfg_peer_port: cfg.port, cfg_peer_remote_id: cfg.remoteId,
      cfg_peer_mac: cfg.mac, cfg_peer_ip: cfg.ip, cfg_peer_udp_port: cfg.udp, cfg_peer_ttl: cfg.ttl, cfg_peer_tos: cfg.tos, cfg_peer_df: cfg.df, cfg_txkey_gen: txGenVec,
      status_tx_counter: curCtrVec, ctr_grant: ctrGrantW[i]!, ctr_value: ctrValueW,
      cam_res_valid: and(camResValid, eq(camResTag, constant(i, ppb))), cam_res_hit: camResHit, cam_res_value: camResValue, cam_req_ready: camReqReady[i]!,
      replay_req_ready: rpReady[i]!, replay_res_valid: rpResValid[i]!, replay_res_verdict: rpVerdict,
      m_host_tready: hostReady[i]!, m_egress_tready: egReady[i]!,
      s_hseal_tdata: i === 0 ? { kind: 'ref', name: 'hseal_tdata', width: 64 } : zero(64), s_hseal_tlast: i === 0 ? { kind: 'ref', name: 'hseal_tlast', width: 1 } : zero(1),
      s_hseal_tvalid: i === 0 ? { kind: 'ref', name: 'hseal_tvalid', width: 1 } : zero(1), s_hseal_peer: i === 0 ? { kind: 'ref', name: 'hseal_peer', width: pb } : zero(pb),
      s_hseal_len: i === 0 ? { kind: 'ref', name: 'hseal_len', width: 12 } : zero(12),
      open_key_wr_valid: keyWr.open.valid, open_key_wr_slot: keyWr.open.slot, open_key_wr_word: keyWr.open.word, open_key_wr_data: keyWr.open.data,
      seal_key_wr_valid: keyWr.sealValid, seal_key_wr_slot: keyWr.open.slot, seal_key_wr_word: keyWr.open.word, seal_key_wr_data: keyWr.open.data,
    });
    m.assign(descReady, pl.s_desc_tready!);
    m.assign(frameReady, pl.s_frame_tready!);
    pipes.push(pl);
  }

  // ---- route table ------------------------------------------------------------------------------
  const camRR = roundRobin(m, 'cam_rr', pipes.map((x) => x.cam_req_valid!), one);
  camRR.grants.forEach((g, i) => m.assign(camReqReady[i]!, g));
  const cam = m.instance(hashCam({ entries: p.routeEntries, ways: p.routeWays, stash: p.routeStash, keyWidth: ROUTE_KEY_BITS, valueWidth: ROUTE_VALUE_BITS, tagWidth: ppb, ram: p.ram }), 'routes', {
    s_axis_lookup_tdata: pipes.slice(1).reduce<Expr>((acc, x, i) => mux(camRR.grants[i + 1]!, x.cam_req_key!, acc), pipes[0]!.cam_req_key!),
    s_axis_lookup_tuser: camRR.grants.slice(1).reduce<Expr>((acc, g, i) => mux(g, constant(i + 1, ppb), acc), zero(ppb)),
    s_axis_lookup_tvalid: camRR.any,
    s_cmd_valid: routeCmd.valid, s_cmd_op: routeCmd.op, s_cmd_slot: routeCmd.slot, s_cmd_key: routeCmd.key, s_cmd_value: routeCmd.value,
  }, { unused: ['s_axis_lookup_tready'] });
  m.assign(camResValid, cam.m_axis_result_tvalid!);
  m.assign(camResTag, cam.m_axis_result_tuser!);
  m.assign(camResHit, cam.m_axis_result_hit!);
  m.assign(camResValue, cam.m_axis_result_tdata!);
  m.output('status_route_ready', 1, 'the route table takes a command').drive(cam.s_cmd_ready!);
  m.output('event_route_overrun', 1, 'a route command came while the table could not take it (dropped)').drive(and(routeCmd.valid, not(cam.s_cmd_ready!)));

  // ---- key engine -------------------------------------------------------------------------------
  // States: 0 idle, 1 invalidate, 2 key words, 3 replay reset (rx), 4 publish.
  const ks = m.reg('key_state_reg', 3, { reset: 0 });
  const kIs = (s: number): Expr => eq(ks, constant(s, 3));
  const kSlot = m.reg('key_slot_reg', 8);
  const kOp = m.reg('key_op_reg', 2);
  const kWords = m.reg('key_words_reg', 256);
  const kGen = m.reg('key_gen_reg', 32);
  const kWord = m.reg('key_word_reg', 3, { reset: 0 });
  const kDone = m.reg('key_done_reg', P, { reset: 0, doc: 'engines that took the current word' });
  const kStart = m.wire('key_start', and(kIs(0), keyCmd.valid));
  const kRx = m.wire('key_rx', m.slice(kSlot, 1, 1));
  const slotOk = lt(keyCmd.slot, constant(slots, 8));
  kSlot.set(keyCmd.slot, kStart);
  kOp.set(keyCmd.op, kStart);
  kWords.set(keyCmd.words, kStart);
  kGen.set(keyCmd.gen, kStart);
  const install = eq(kOp, constant(KEY_OPS.install, 2));
  const wordData = m.wire('key_word_data', mux(install, [0, 1, 2, 3, 4, 5, 6].reduce<Expr>((acc, w) => mux(eq(kWord, constant(w, 3)), m.slice(kWords, 32 * w + 31, 32 * w), acc), m.slice(kWords, 255, 224)), zero(32)));
  m.assign(keyWr.open.valid, and(kIs(2), kRx));
  m.assign(keyWr.sealValid, and(kIs(2), not(kRx)));
  m.assign(keyWr.open.slot, concat(m.slice(kSlot, pb + 1, 2), m.slice(kSlot, 0, 0)));
  m.assign(keyWr.open.word, kWord);
  m.assign(keyWr.open.data, wordData);
  const taken = pipes.map((x, i) => m.wire(`key_taken${i}`, or(m.slice(kDone, i, i), mux(kRx, x.open_key_ready!, x.seal_key_ready!))));
  const allTaken = m.wire('key_all_taken', taken.reduce<Expr>((a, b) => and(a, b), constant(1, 1)));
  kDone.set(mux(and(kIs(2), not(allTaken)), concat(...[...taken].reverse()), zero(P)));
  kWord.set(mux(kStart, zero(3), add(kWord, constant(1, 3))), or(kStart, and(kIs(2), allTaken)));
  const replayResetDone = m.wire('replay_reset_done', 1);
  ks.set(mux(kStart, mux(and(slotOk, or(eq(keyCmd.op, constant(KEY_OPS.install, 2)), eq(keyCmd.op, constant(KEY_OPS.retire, 2)))), constant(1, 3), zero(3)),
    mux(kIs(1), constant(2, 3),
      mux(and(and(kIs(2), allTaken), eq(kWord, constant(7, 3))), mux(and(kRx, install), constant(3, 3), constant(4, 3)),
        mux(and(kIs(3), replayResetDone), constant(4, 3),
          mux(kIs(4), zero(3), ks))))));
  const slotOneHot = (s: Expr): Expr => concat(...Array.from({ length: slots }, (_, i) => eq(s, constant(slots - 1 - i, 8))));
  const kHot = m.wire('key_slot_hot', slotOneHot(kSlot));
  slotValid.set(mux(kIs(1), and(slotValid, m.wire('key_slot_cold', concat(...Array.from({ length: slots }, (_, i) => not(m.slice(kHot, slots - 1 - i, slots - 1 - i)))))), mux(and(kIs(4), install), or(slotValid, kHot), slotValid)));
  slotGen.forEach((g, s) => g.set(kGen, and(and(kIs(4), install), eq(kSlot, constant(s, 8)))));
  m.output('status_key_busy', 1).drive(not(kIs(0)));
  m.output('event_key_overrun', 1, 'a key command came while one was under way (dropped)').drive(and(keyCmd.valid, not(kIs(0))));
  m.output('status_key_slot_valid', slots).drive(slotValid);
  m.output('status_key_slot_gen', 32 * slots).drive(concat(...[...slotGen].reverse()));

  // ---- replay windows ---------------------------------------------------------------------------
  const rpIns: Record<string, Expr> = { reset_valid: kIs(3), reset_window: concat(m.slice(kSlot, pb + 1, 2), m.slice(kSlot, 0, 0)) };
  pipes.forEach((x, i) => Object.assign(rpIns, { [`s_req${i}_valid`]: x.replay_req_valid!, [`s_req${i}_window`]: x.replay_req_window!, [`s_req${i}_counter`]: x.replay_req_counter!, [`s_req${i}_commit`]: x.replay_req_commit! }));
  const rp = m.instance(replayWindows({ windows: 2 * N, requesters: P, ram: p.ram }), 'replay_windows', rpIns);
  m.assign(replayResetDone, rp.reset_ready!);
  m.assign(rpVerdict, rp.m_res_verdict!);
  for (let i = 0; i < P; i++) {
    m.assign(rpReady[i]!, rp[`s_req${i}_ready`]!);
    m.assign(rpResValid[i]!, rp[`m_res${i}_valid`]!);
  }

  // ---- transmit counters ------------------------------------------------------------------------
  const ctrRR = roundRobin(m, 'ctr_rr', pipes.map((x) => x.ctr_req_valid!), one);
  ctrRR.grants.forEach((g, i) => m.assign(ctrGrantW[i]!, g));
  const reqPeer = m.wire('ctr_req_peer', pipes.slice(1).reduce<Expr>((acc, x, i) => mux(ctrRR.grants[i + 1]!, x.ctr_req_peer!, acc), pipes[0]!.ctr_req_peer!));
  const reqSlot = m.wire('ctr_req_slot', concat(reqPeer, Array.from({ length: N }, (_, q) => and(eq(reqPeer, constant(q, pb)), m.slice(cfg.txSlot, q, q))).reduce((a, b) => or(a, b))));
  m.assign(ctrValueW, Array.from({ length: 2 * N }, (_, s) => and(concat(...Array.from({ length: 52 }, () => eq(reqSlot, constant(s, pb + 1)))), txCtr[s]!)).reduce((a, b) => or(a, b)));
  const txReset = and(and(kIs(4), install), not(kRx));
  txCtr.forEach((c, s) => {
    const peer = s >> 1;
    const parity = s & 1;
    const resetThis = and(txReset, eq(kSlot, constant(peer * SLOTS_PER_PEER + parity, 8)));
    const bump = and(ctrRR.any, eq(reqSlot, constant(s, pb + 1)));
    c.set(mux(resetThis, zero(52), add(c, constant(1, 52))), or(resetThis, bump));
  });
  m.output('status_tx_counter', 52 * N, 'per peer: next counter of its current transmit key').drive(curCtrVec);

  // ---- host port: up --------------------------------------------------------------------------
  const hostArb = frameArbiter(m, 'host_up', pipes.map((x) => x.m_host_tvalid!), pipes.map((x) => x.m_host_tlast!), hostReadyW);
  const hostIn = m.input('m_host_tready', 1);
  m.assign(hostReadyW, hostIn);
  hostArb.sel.forEach((s, i) => m.assign(hostReady[i]!, and(s, hostIn)));
  const pickHost = (f: string): Expr => pipes.slice(1).reduce<Expr>((acc, x, i) => mux(hostArb.sel[i + 1]!, x[f]!, acc), pipes[0]![f]!);
  m.output('m_host_tdata', 64, 'to the host: frames with their 8-byte header (spec/forwarding/host-port.ts)').drive(pickHost('m_host_tdata'));
  m.output('m_host_tkeep', 8).drive(pickHost('m_host_tkeep'));
  m.output('m_host_tlast', 1).drive(pickHost('m_host_tlast'));
  m.output('m_host_tvalid', 1).drive(hostArb.valid);

  // ---- host port: down -----------------------------------------------------------------------------
  // raw: the frame goes to its egress port as it is. seal: the inner message is placed at byte 20
  // (two zero beats, then the data shifted by four bytes) for pipeline 0's read-out, which seals it
  // for the peer like a forwarded frame, so each key keeps one counter space.
  const hIn = { tdata: m.input('s_host_tdata', 64), tkeep: m.input('s_host_tkeep', 8), tvalid: m.input('s_host_tvalid', 1), tlast: m.input('s_host_tlast', 1) };
  const hState = m.reg('host_down_state_reg', 3, { reset: 0, doc: '0 header, 1 raw frame to a port, 2 frame dropped, 3-4 seal: zero beats, 5 seal: data, 6 seal: flush' });
  const hIs = (k: number): Expr => eq(hState, constant(k, 3));
  const hPort = m.reg('host_down_port_reg', ppb);
  const hPeer = m.reg('host_down_peer_reg', pb);
  const hLen = m.reg('host_down_len_reg', 12, { doc: 'seal: the inner payload\'s length' });
  const hHold = m.reg('host_down_hold_reg', 32, { doc: 'seal: bytes 4-7 of the last beat' });
  const hFirst = m.reg('host_down_first_reg', 1, { doc: 'seal: the next data beat is the first' });
  const hdrKind = m.wire('host_down_kind', m.slice(hIn.tdata, 7, 0));
  const hdrPort = m.wire('host_down_port', m.slice(hIn.tdata, 23, 16));
  const hdrPeer = m.wire('host_down_peer', m.slice(hIn.tdata, 31, 24));
  const hdrLen = m.wire('host_down_length', concat(m.slice(hIn.tdata, 39, 32), m.slice(hIn.tdata, 47, 40)));
  m.wire('host_down_header_unused', m.slice(hIn.tdata, 63, 48));
  const rawOk = and(eq(hdrKind, constant(HostKind.raw, 8)), lt(hdrPort, constant(P, 8)));
  const sealOk = and(and(eq(hdrKind, constant(HostKind.seal, 8)), lt(hdrPeer, constant(N, 8))), and(not(lt(hdrLen, constant(3, 16))), not(lt(constant(1408, 16), hdrLen))));
  const hostDownReady: SignalRef[] = Array.from({ length: P }, (_, j) => m.wire(`host_down_ready${j}`, 1));
  const hToPort = (j: number): Expr => and(hIs(1), eq(hPort, constant(j, ppb)));
  const hBodyReady = hostDownReady.map((r, j) => and(r, hToPort(j))).reduce<Expr>((a, b) => or(a, b), zero(1));
  const hsealReady = m.wire('hseal_ready', 1);
  // Seal data beats: the first is {4 zero bytes, data 0-3}, then {hold, data 0-3}; a last beat of more than 4 bytes needs a flush.
  const hKeepHi = m.wire('host_down_keep_hi', m.slice(hIn.tkeep, 4, 4), 'the beat has more than 4 bytes');
  const sealTake = and(hIs(5), hsealReady);
  const hTake = or(or(hIs(0), hIs(2)), or(hBodyReady, sealTake));
  const hFire = and(hIn.tvalid, hTake);
  const toData = mux(and(and(hFire, hIn.tlast), not(hKeepHi)), zero(3), mux(and(hFire, hIn.tlast), constant(6, 3), hState));
  hState.set(mux(and(hIs(0), hFire), mux(hIn.tlast, zero(3), mux(rawOk, constant(1, 3), mux(sealOk, constant(3, 3), constant(2, 3)))),
    mux(or(hIs(1), hIs(2)), mux(and(hFire, hIn.tlast), zero(3), hState),
      mux(and(or(hIs(3), hIs(4)), hsealReady), add(hState, constant(1, 3)),
        mux(hIs(5), toData,
          mux(and(hIs(6), hsealReady), zero(3), hState))))));
  hPort.set(m.slice(hdrPort, ppb - 1, 0), and(hIs(0), hFire));
  hPeer.set(m.slice(hdrPeer, pb - 1, 0), and(hIs(0), hFire));
  // Lengths are checked to be 3..1408 above, so 12 bits hold the payload's.
  hLen.set(sub(m.slice(hdrLen, 11, 0), constant(3, 12)), and(hIs(0), hFire));
  hHold.set(m.slice(hIn.tdata, 63, 32), and(hIs(5), hFire));
  hFirst.set(mux(hIs(0), constant(1, 1), mux(and(hIs(5), hFire), zero(1), hFirst)));
  const lowData = m.slice(hIn.tdata, 31, 0);
  const sealBeat = mux(or(hIs(3), hIs(4)), zero(64), mux(hIs(6), concat(zero(32), hHold), mux(hFirst, concat(lowData, zero(32)), concat(lowData, hHold))));
  m.output('s_host_tready', 1).drive(hTake);
  m.output('event_host_tx_bad', 1, 'a host frame with a bad header was dropped').drive(and(and(hIs(0), hFire), not(or(rawOk, sealOk))));
  m.wire('hseal_tdata', sealBeat);
  m.wire('hseal_tvalid', or(or(hIs(3), hIs(4)), or(hIs(6), and(hIs(5), hIn.tvalid))));
  m.wire('hseal_tlast', or(hIs(6), and(hIs(5), and(hIn.tlast, not(hKeepHi)))));
  m.wire('hseal_peer', hPeer);
  m.wire('hseal_len', hLen);
  m.assign(hsealReady, pipes[0]!.s_hseal_tready!);
  pipes.slice(1).forEach((x, i) => m.wire(`hseal_ready${i + 1}_unused`, x.s_hseal_tready!));
  // ---- egress arbiters and counters of the ports ------------------------------------------------
  const portEvents: Array<{ valid: Expr; index: Expr; bytes: Expr }> = [];
  // The port bank has room for at least two ports' kinds, so a kind's 5 bits always index it.
  const portIndexBits = Math.max(5, log2c(P * PORT_COUNTER_STRIDE));
  const pk = (i: number, k: PortCounter): Expr => constant(i * PORT_COUNTER_STRIDE + PORT_COUNTERS.indexOf(k), portIndexBits);
  const egressTaken: Expr[] = pipes.map(() => zero(1));
  for (let j = 0; j < P; j++) {
    const srcValid = [...pipes.map((x) => and(x.m_egress_tvalid!, eq(x.m_egress_tdest!, constant(j, 4)))), and(hIn.tvalid, hToPort(j))];
    const srcLast = [...pipes.map((x) => x.m_egress_tlast!), hIn.tlast];
    const txReady = m.input(`m_axis_tx${j}_tready`, 1);
    const arb = frameArbiter(m, `egress${j}`, srcValid, srcLast, txReady);
    const pick = (f: string, host: Expr): Expr => [...pipes.map((x) => x[f]!), host].slice(1).reduce<Expr>((acc, v, i) => mux(arb.sel[i + 1]!, v, acc), pipes[0]![f]!);
    const data = pick('m_egress_tdata', hIn.tdata);
    const keep = m.wire(`tx${j}_keep`, pick('m_egress_tkeep', hIn.tkeep));
    const last = pick('m_egress_tlast', hIn.tlast);
    m.output(`m_axis_tx${j}_tdata`, 64).drive(data);
    m.output(`m_axis_tx${j}_tkeep`, 8).drive(keep);
    m.output(`m_axis_tx${j}_tlast`, 1).drive(last);
    m.output(`m_axis_tx${j}_tvalid`, 1).drive(arb.valid);
    pipes.forEach((_, i) => {
      egressTaken[i] = or(egressTaken[i]!, and(arb.sel[i]!, txReady));
    });
    m.assign(hostDownReady[j]!, and(arb.sel[P]!, txReady));
    // Bytes of the frame going out, for the port's txFrames.
    const fire = m.wire(`tx${j}_fire`, and(arb.valid, txReady));
    const bytes = m.reg(`tx${j}_bytes_reg`, LEN_BITS + 1, { reset: 0 });
    const beatBytes = zext(Array.from({ length: BEAT }, (_, k) => zext(m.slice(keep, k, k), 4)).reduce((a, b) => add(a, b)), LEN_BITS + 1);
    const total = m.wire(`tx${j}_total`, add(bytes, beatBytes));
    bytes.set(mux(last, zero(LEN_BITS + 1), total), fire);
    const endFrame = and(fire, last);
    portEvents.push({ valid: endFrame, index: pk(j, 'txFrames'), bytes: total });
    portEvents.push({ valid: and(endFrame, arb.sel[P]!), index: pk(j, 'fromHost'), bytes: total });
  }
  pipes.forEach((x, i) => {
    const ready = m.wire(`egress_src${i}_taken`, egressTaken[i]!);
    m.assign(egReady[i]!, ready);
    void x;
  });
  ings.forEach((g, i) => {
    portEvents.push({ valid: g.ev_rx_valid!, index: pk(i, 'rxFrames'), bytes: g.ev_rx_bytes! });
    portEvents.push({ valid: g.ev_overflow!, index: pk(i, 'rxOverflow'), bytes: zero(LEN_BITS + 1) });
    const x = pipes[i]!;
    // The dispatcher's event counts at the port when it is not the peer's: a port-level drop, or a raw hand-up.
    const atPort = and(x.ev_disp_valid!, or(and(x.ev_disp_drop!, not(x.ev_disp_peer!)), x.ev_disp_host!));
    const kind = mux(x.ev_disp_host!, constant(PORT_COUNTERS.indexOf('toHost'), 5), x.ev_disp_kind!);
    portEvents.push({ valid: atPort, index: add(constant(i * PORT_COUNTER_STRIDE, portIndexBits), zext(kind, portIndexBits)), bytes: x.ev_disp_bytes! });
  });

  // ---- counter banks -----------------------------------------------------------------------------
  const portEntries = 1 << portIndexBits;
  const peerEntries = N * PEER_COUNTER_STRIDE;
  const counterBanks: Array<{ name: string; bank: number; entries: number; events: Array<{ valid: Expr; index: Expr; bytes: Expr }> }> = [
    { name: 'rule', bank: COUNTER_BANKS.rule, entries: p.ruleCounters, events: pipes.map((x) => ({ valid: x.ev_rule_valid!, index: x.ev_rule_index!, bytes: x.ev_rule_bytes! })) },
    {
      name: 'peer', bank: COUNTER_BANKS.peer, entries: peerEntries, events: pipes.flatMap((x) => [
        { valid: and(x.ev_disp_valid!, x.ev_disp_peer!), index: concat(x.ev_disp_peer_index!, x.ev_disp_kind!), bytes: x.ev_disp_bytes! },
        { valid: x.ev_peer_valid!, index: concat(x.ev_peer_index!, x.ev_peer_kind!), bytes: x.ev_peer_bytes! },
        { valid: x.ev_tx_valid!, index: concat(x.ev_tx_peer!, constant(1, 5)), bytes: x.ev_tx_bytes! },
      ]),
    },
    { name: 'port', bank: COUNTER_BANKS.port, entries: portEntries, events: portEvents },
  ];
  const cntBusy = m.reg('counter_busy_reg', 1, { reset: 0 });
  const cntFrames = m.reg('counter_frames_reg', 32);
  const cntBytes = m.reg('counter_bytes_reg', 48);
  let anyRd: Expr = zero(1);
  let rdFrames: Expr = zero(32);
  let rdBytes: Expr = zero(48);
  let overflow: Expr = zero(1);
  let banksReady: Expr = one;
  const cntGo = m.wire('counter_go', 1);
  for (const b of counterBanks) {
    const ib = Math.log2(b.entries);
    const ins: Record<string, Expr> = {
      s_rd_valid: and(cntGo, and(eq(cntCmd.bank, constant(b.bank, 4)), lt(zext(cntCmd.index, 17), constant(b.entries, 17)))),
      s_rd_index: m.slice(cntCmd.index, ib - 1, 0), s_rd_clear: cntCmd.clear,
    };
    b.events.forEach((e, k) => Object.assign(ins, { [`s_inc${k}_valid`]: e.valid, [`s_inc${k}_index`]: e.index.width < ib ? zext(e.index, ib) : m.slice(e.index, ib - 1, 0), [`s_inc${k}_bytes`]: zext(e.bytes, 16) }));
    const c = m.instance(counterBank({ entries: b.entries, ports: b.events.length }), `${b.name}_counters`, ins);
    banksReady = and(banksReady, c.s_rd_ready!);
    anyRd = or(anyRd, c.m_rd_valid!);
    rdFrames = or(rdFrames, and(concat(...Array.from({ length: 32 }, () => c.m_rd_valid!)), c.m_rd_frames!));
    rdBytes = or(rdBytes, and(concat(...Array.from({ length: 48 }, () => c.m_rd_valid!)), c.m_rd_bytes!));
    overflow = or(overflow, c.inc_overflow!);
  }
  // A read of a bank or index that does not exist answers zero at once.
  const known = m.wire('counter_known', counterBanks.map((b) => and(eq(cntCmd.bank, constant(b.bank, 4)), lt(zext(cntCmd.index, 17), constant(b.entries, 17)))).reduce<Expr>((a, c) => or(a, c), zero(1)));
  const ready = m.wire('counters_ready', banksReady, 'every bank finished its clear pass after reset');
  const cntStart = m.wire('counter_start', and(cntCmd.valid, and(not(cntBusy), ready)));
  m.assign(cntGo, cntStart);
  cntBusy.set(mux(cntStart, known, mux(anyRd, zero(1), cntBusy)));
  cntFrames.set(mux(anyRd, rdFrames, zero(32)), or(anyRd, and(cntStart, not(known))));
  cntBytes.set(mux(anyRd, rdBytes, zero(48)), or(anyRd, and(cntStart, not(known))));
  m.output('status_counter_busy', 1).drive(cntBusy);
  m.output('status_counter_frames', 32).drive(cntFrames);
  m.output('status_counter_bytes', 48).drive(cntBytes);
  m.output('event_counter_overrun', 1, 'a counter command came while one was under way, or before the counters were ready (dropped)').drive(and(cntCmd.valid, or(cntBusy, not(ready))));
  m.output('status_counters_ready', 1, 'the counters are cleared after reset and take reads').drive(ready);
  m.output('status_counter_lost', 1, 'a counter increment was lost (never: a bug if it is ever 1)').drive(overflow);
  m.output('status_busy', 1, 'a frame is inside the plane (tests wait for this to fall)').drive(
    [...ings.map((g) => g.status_busy!), ...pipes.map((x) => x.status_busy!), not(eq(hState, zero(3)))].reduce((a, b) => or(a, b)));
  return m;
}
