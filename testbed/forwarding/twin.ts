// The software relay and the forwarding plane side by side, fed the same frames: the golden
// model of the plane is the node itself. Relay R runs real host/link sessions (Link, the
// shared SoftwareDatapath) with K neighbours (each a real Link on the other side) and a real
// host/mesh MeshNode forwarding by its rule book; the device (device.ts) gets the same frames
// on its network ports.
//
// For every frame a neighbour sends R:
//   - the device decides first: forwarded (one frame out of a port), handed up to the host
//     (raw or opened), or dropped;
//   - R's software processes the same datagram; everything it does is logged in order (key
//     publications and retirements, seals, transmissions);
//   - forwarded: the software must have sealed and sent exactly that frame (every byte: the
//     next link's header, counter, padding and tag);
//   - handed up: what came up must be what the software opened (or the raw frame), and the
//     log is then played to the device as the host would: keys into key slots, peer registers,
//     and every transmission down the host port (raw, or as a seal job the device seals with
//     the peer's key and counter), each checked byte for byte against the software's frame;
//   - dropped: the software must have sent nothing.
// The device's counters are then compared with the software's statistics.
import { randomBytes } from 'node:crypto';
import { FRAME_HEADER_BYTES, INNER_HEADER_BYTES, InnerType, MessageType, type PadBytes } from '../../spec/link-wire.ts';
import { SLOTS_PER_PEER } from '../../spec/key-slots.ts';
import { HOST_HEADER_BYTES, decodeHostHeader, encodeHostHeader } from '../../spec/forwarding/host-port.ts';
import { routeKey, routeValueLayout } from '../../spec/forwarding/route-key.ts';
import { HashGeometry } from '../../spec/route-table/geometry.ts';
import { encodeAction } from '../../spec/route-table/layout.ts';
import { equalBytes, hex } from '../../spec/bytes.ts';
import { nodeBackend } from '../../host/crypto/backend.ts';
import { identityFromSecretKey, type Identity } from '../../host/identity/identity.ts';
import { SoftwareDatapath, type Opened } from '../../host/link/datapath.ts';
import type { FrameHeader, FrameReject } from '../../host/link/frame.ts';
import type { KeyRef, KeySink, KeySlot } from '../../host/link/key-sink.ts';
import { Link } from '../../host/link/session.ts';
import { MeshNode } from '../../host/mesh/node.ts';
import { TableManager } from '../../host/table/manager.ts';
import { buildUdpFrame, macBytes } from '../../spec/ethernet.ts';
import { Rng } from '../../sim/random.ts';
import { VirtualClock } from '../virtual-clock.ts';
import type { FpDevice } from './device.ts';

type Act =
  | { kind: 'publish'; slot: KeySlot }
  | { kind: 'retire'; ref: KeyRef }
  | { kind: 'seal'; peer: number; innerType: number; payload: Uint8Array; frame: Uint8Array }
  | { kind: 'transmit'; peer: number; datagram: Uint8Array };

/** The software datapath, with every seal and open written to the twin's log. */
class LoggedDatapath extends SoftwareDatapath {
  lastOpened: Opened | FrameReject | undefined;
  constructor(private readonly log: (a: Act) => void) {
    super(nodeBackend.aead);
  }
  override seal(peer: number, receiver: number, innerType: InnerType, payload: Uint8Array, pad: PadBytes): Uint8Array | 'noKey' | 'exhausted' {
    const f = super.seal(peer, receiver, innerType, payload, pad);
    if (typeof f !== 'string') this.log({ kind: 'seal', peer, innerType, payload: Uint8Array.from(payload), frame: f });
    return f;
  }
  override open(peer: number, frame: Uint8Array, header: FrameHeader): Opened | FrameReject {
    const r = super.open(peer, frame, header);
    this.lastOpened = typeof r === 'string' ? r : { ...r, payload: Uint8Array.from(r.payload) };
    return r;
  }
}

export interface TwinPeer {
  index: number;
  port: number;
  mac: Uint8Array;
  ip: number;
  udpPort: number;
  pad: PadBytes;
  identity: Identity;
  relay: Link;
  peer: Link;
}

interface PeerCtrl { session: number; up: number; pad32: number; tx_valid: number; tx_slot: number; rx_valid: number; rx_slot: number; enabled: number; port: number }

export interface Outcome {
  device: 'forwarded' | 'host' | 'dropped';
  hostKind?: string;
  hostReason?: string;
}

export class TwinRelay {
  readonly clock = new VirtualClock();
  readonly peers: TwinPeer[] = [];
  readonly relayIdentity: Identity;
  readonly mesh: MeshNode;
  readonly portMac: Uint8Array[];
  readonly portIp: number[];
  readonly udpPort = 7700;
  readonly tableManager: TableManager;
  readonly routeLayout = routeValueLayout({ ruleCounters: 256 });
  /** Datagrams the neighbours sent toward R, not yet delivered. */
  readonly toRelay: Array<{ peer: number; datagram: Uint8Array }> = [];
  /** What each frame came to on the device, in order. */
  readonly outcomes: Outcome[] = [];
  private log: Act[] = [];
  private readonly dp: LoggedDatapath;
  private readonly ctrl: PeerCtrl[];
  private readonly hwSlots = new Map<number, { gen: number; key: string }>();
  private readonly ruleCounters = new Map<number, number>();
  private nextCounter = 0;
  /** Frames whose hand-up the software then relayed: counted by the host, not the device. */
  readonly hostRelayed = new Map<number, number>();

  constructor(
    readonly dev: FpDevice,
    opts: { peers: number; rng: Rng; rotationIntervalMs?: number; geometry: { entries: number; ways: number; stash: number } },
  ) {
    const rnd = (n: number): Uint8Array => opts.rng.bytes(n);
    this.relayIdentity = identityFromSecretKey(secretFrom(opts.rng));
    this.portMac = Array.from({ length: dev.ports }, (_, i) => Uint8Array.of(0x02, 0x53, 0x4b, 0, 0, 0x10 + i));
    this.portIp = Array.from({ length: dev.ports }, (_, i) => 0x0a000001 + (i << 8));
    this.dp = new LoggedDatapath((a) => this.log.push(a));
    this.tableManager = new TableManager(new HashGeometry(opts.geometry.entries, opts.geometry.ways, opts.geometry.stash, 40, 64), this.routeLayout);
    const observer: KeySink = { publish: (slot) => this.log.push({ kind: 'publish', slot: { ...slot, key: Uint8Array.from(slot.key) } }), retire: (ref) => this.log.push({ kind: 'retire', ref: { ...ref } }) };
    for (let k = 0; k < opts.peers; k++) {
      const identity = identityFromSecretKey(secretFrom(opts.rng));
      const port = k % dev.ports;
      const pad: PadBytes = k % 3 === 2 ? 32 : 16;
      // The end with the smaller key leads, as the daemon decides.
      const relayLeads = hex(this.relayIdentity.publicKey) < hex(identity.publicKey);
      const common = { backend: nodeBackend, rotationIntervalMs: opts.rotationIntervalMs ?? 1000, random: rnd, padBytes: pad, wallClockMs: () => 1_700_000_000_000 + this.clock.now() };
      const relay = new Link({ ...common, identity: this.relayIdentity, peerPublicKey: identity.publicKey, role: relayLeads ? 'initiator' : 'responder', linkId: k }, this.dp, {
        transmit: (d) => this.log.push({ kind: 'transmit', peer: k, datagram: Uint8Array.from(d) }),
        deliver: (p) => this.mesh.receive(k, p),
      }, observer);
      const peerDp = new SoftwareDatapath(nodeBackend.aead);
      const peer = new Link({ ...common, identity, peerPublicKey: this.relayIdentity.publicKey, role: relayLeads ? 'responder' : 'initiator', linkId: 0 }, peerDp, {
        transmit: (d) => this.toRelay.push({ peer: k, datagram: Uint8Array.from(d) }),
        deliver: () => {},
      });
      this.peers.push({ index: k, port, mac: Uint8Array.of(0x02, 0, 0, 0, 1, k), ip: 0x0a000100 + (port << 8) + k + 2, udpPort: 7000 + k, pad, identity, relay, peer });
    }
    this.ctrl = this.peers.map((p) => ({ session: 0, up: 0, pad32: p.pad === 32 ? 1 : 0, tx_valid: 0, tx_slot: 0, rx_valid: 0, rx_slot: 0, enabled: 1, port: p.port }));
    this.mesh = new MeshNode({ secretKey: this.relayIdentity.secretKey, transport: { send: (n, b) => this.peers[n]!.relay.send(b, this.clock.now()) }, timers: this.clock, random: rnd });
  }

  /** Programs the device's addresses and peers and switches forwarding on. */
  configure(): void {
    const d = this.dev;
    this.portMac.forEach((mac, i) => {
      d.write('port', 'mac_hi', (mac[0]! << 8) | mac[1]!, i);
      d.write('port', 'mac_lo', ((mac[2]! << 24) | (mac[3]! << 16) | (mac[4]! << 8) | mac[5]!) >>> 0, i);
      d.write('port', 'ip', this.portIp[i]!, i);
      d.write('port', 'udp_port', this.udpPort, i);
    });
    for (const p of this.peers) {
      d.write('peer', 'mac_hi', (p.mac[0]! << 8) | p.mac[1]!, p.index);
      d.write('peer', 'mac_lo', ((p.mac[2]! << 24) | (p.mac[3]! << 16) | (p.mac[4]! << 8) | p.mac[5]!) >>> 0, p.index);
      d.write('peer', 'ip', p.ip, p.index);
      d.write('peer', 'udp_port', p.udpPort, p.index);
      d.write('peer', 'ip_opts', { ttl: 64, tos: 0, df: 1 }, p.index);
      this.writeCtrl(p.index);
    }
    d.write('ctrl', 'ctrl', 1);
  }

  private writeCtrl(k: number): void {
    this.dev.write('peer', 'ctrl', { ...this.ctrl[k]! }, k);
  }

  private setCtrl(k: number, change: Partial<PeerCtrl>): void {
    const c = this.ctrl[k]!;
    const before = JSON.stringify(c);
    Object.assign(c, change);
    if (JSON.stringify(c) !== before) this.writeCtrl(k);
  }

  // ---- frames on the wire ----------------------------------------------------------------------

  /** The Ethernet frame a neighbour's datagram arrives in. */
  ingressFrame(k: number, datagram: Uint8Array, udpChecksum = true): Uint8Array {
    const p = this.peers[k]!;
    return buildUdpFrame({ dstMac: this.portMac[p.port]!, srcMac: p.mac, srcIp: p.ip, dstIp: this.portIp[p.port]!, srcPort: p.udpPort, dstPort: this.udpPort, payload: datagram, udpChecksum, ipId: datagram.length });
  }

  /** The Ethernet frame R's datagram leaves in (the device's header template). */
  egressFrame(k: number, datagram: Uint8Array): Uint8Array {
    const p = this.peers[k]!;
    return buildUdpFrame({ dstMac: p.mac, srcMac: this.portMac[p.port]!, srcIp: this.portIp[p.port]!, dstIp: p.ip, srcPort: this.udpPort, dstPort: p.udpPort, payload: datagram, udpChecksum: false, ttl: 64, df: true, ipId: 0 });
  }

  // ---- one frame through both ------------------------------------------------------------------

  /**
   * Delivers one datagram from neighbour k to R: through the device, then through the software,
   * comparing as described at the top. Returns what the device did. `frame` overrides the
   * Ethernet frame (for malformed ones).
   */
  deliver(k: number, datagram: Uint8Array, frame?: Uint8Array): Outcome {
    const d = this.dev;
    const before = d.tx.map((t) => t.length);
    d.send(this.peers[k]!.port, frame ?? this.ingressFrame(k, datagram));
    d.settle();
    const out = d.tx.map((t, i) => t.slice(before[i]));
    const host = d.hostReceive();
    this.log = [];
    this.dp.lastOpened = undefined;
    const relayedBefore = this.mesh.counters.packetsForwarded;
    this.peers[k]!.relay.receive(datagram, this.clock.now());
    const relayedBySoftware = this.mesh.counters.packetsForwarded - relayedBefore;
    const outCount = out.reduce((n, t) => n + t.length, 0);
    let outcome: Outcome;
    if (outCount === 1 && host.length === 0) {
      outcome = { device: 'forwarded' };
      const sends = this.log.filter((a) => a.kind === 'transmit') as Array<Extract<Act, { kind: 'transmit' }>>;
      if (sends.length !== 1 || this.log.some((a) => a.kind === 'publish' || a.kind === 'retire')) throw new TwinMismatch(`the device forwarded a frame of peer ${k}; the software did ${this.describeLog()}`);
      const want = this.egressFrame(sends[0]!.peer, sends[0]!.datagram);
      const port = this.peers[sends[0]!.peer]!.port;
      const got = out[port]![0];
      if (!got || !equalBytes(got, want)) throw new TwinMismatch(`forwarded frame differs from the software's (peer ${k} -> ${sends[0]!.peer}, port ${port}):\n  device   ${got ? hex(got) : '(none on that port)'}\n  software ${hex(want)}`);
      this.deliverToPeers(this.log);
      this.log = [];
    } else if (outCount === 0 && host.length === 1) {
      const h = decodeHostHeader(host[0]!);
      if (typeof h === 'string') throw new TwinMismatch(`host frame: ${h}`);
      outcome = { device: 'host', hostKind: h.kind, hostReason: h.reason };
      const body = host[0]!.subarray(HOST_HEADER_BYTES);
      if (h.kind === 'raw') {
        if (!equalBytes(body, frame ?? this.ingressFrame(k, datagram))) throw new TwinMismatch('raw hand-up differs from the frame');
      } else {
        const o = this.dp.lastOpened as Opened | FrameReject | undefined; // set by relay.receive above
        if (!o || typeof o === 'string') throw new TwinMismatch(`the device opened a frame of peer ${k} the software rejected (${o})`);
        const want = new Uint8Array([...datagram.subarray(0, FRAME_HEADER_BYTES), o.innerType, o.payload.length >> 8, o.payload.length & 0xff, ...o.payload]);
        if (!equalBytes(body, want)) throw new TwinMismatch(`opened hand-up differs from what the software opened:\n  device   ${hex(body)}\n  software ${hex(want)}`);
        if (h.peer !== k) throw new TwinMismatch(`opened hand-up names peer ${h.peer}, not ${k}`);
      }
      // Route packets the software relayed after the hand-up: the host's accounting, not the device's.
      this.hostRelayed.set(k, (this.hostRelayed.get(k) ?? 0) + relayedBySoftware);
      this.playLog();
    } else if (outCount === 0 && host.length === 0) {
      outcome = { device: 'dropped' };
      if (this.log.length) throw new TwinMismatch(`the device dropped a frame of peer ${k}; the software did ${this.describeLog()}`);
    } else {
      throw new TwinMismatch(`one frame of peer ${k} gave ${outCount} frames out and ${host.length} to the host`);
    }
    this.outcomes.push(outcome);
    this.checkTxCounters(`after a frame of peer ${k} (${outcome.device}${outcome.hostReason ? ` ${outcome.hostReason}` : ''})`);
    return outcome;
  }

  /**
   * Many frames into the device at once (each port's back to back), then the same frames through
   * the software in order; each port's output must be the software's frames for that port, in
   * order. (Each egress key must get frames from one ingress port only, so the order of its
   * counters is the order of the input.) Returns the cycles from the first beat in to the last out.
   */
  burst(items: ReadonlyArray<{ peer: number; datagram: Uint8Array }>): { cycles: number; out: number[] } {
    const d = this.dev;
    const before = d.tx.map((t) => t.length);
    const start = d.cycles;
    for (const it of items) d.send(this.peers[it.peer]!.port, this.ingressFrame(it.peer, it.datagram));
    d.settle();
    const cycles = d.lastTxCycle - start;
    this.log = [];
    for (const it of items) this.peers[it.peer]!.relay.receive(it.datagram, this.clock.now());
    const want: Uint8Array[][] = d.tx.map(() => []);
    for (const a of this.log) {
      if (a.kind === 'publish' || a.kind === 'retire') throw new TwinMismatch('a burst must not rotate keys');
      if (a.kind === 'transmit') want[this.peers[a.peer]!.port]!.push(this.egressFrame(a.peer, a.datagram));
    }
    d.tx.forEach((t, port) => {
      const got = t.slice(before[port]);
      if (got.length !== want[port]!.length) throw new TwinMismatch(`burst: port ${port} sent ${got.length} frames, the software ${want[port]!.length}`);
      got.forEach((g, i) => {
        if (!equalBytes(g, want[port]![i]!)) throw new TwinMismatch(`burst: frame ${i} of port ${port} differs:\n  device   ${hex(g)}\n  software ${hex(want[port]![i]!)}`);
      });
    });
    this.deliverToPeers(this.log);
    this.log = [];
    this.checkTxCounters('after a burst');
    return { cycles, out: want.map((w) => w.length) };
  }

  /** Every peer's transmit counter in the device equals the software's (one counter space per key). */
  checkTxCounters(when: string): void {
    for (const p of this.peers) {
      if (!this.ctrl[p.index]!.tx_valid) continue;
      const hw = this.dev.txCounter(p.index);
      const sw = this.dp.txCounter(p.index);
      if (hw !== sw) throw new TwinMismatch(`${when}: peer ${p.index}'s transmit counter is ${hw} in the device, ${sw} in the software`);
    }
  }

  private describeLog(): string {
    return this.log.length ? this.log.map((a) => a.kind + ('peer' in a ? ` ${a.peer}` : '')).join(', ') : 'nothing';
  }

  /** Runs R's link timers (rotations, retransmissions) and plays what they did to the device. */
  tickRelay(): void {
    for (const p of this.peers) p.relay.tick(this.clock.now());
    this.playLog();
  }

  /** Moves time on: the mesh's timers, then every link's, both sides; what R sends is played to the device. */
  advance(ms: number): void {
    this.clock.runUntil(this.clock.now() + ms);
    this.tickPeers();
    this.tickRelay();
  }

  /** Runs the neighbours' link timers; what they send waits in toRelay. */
  tickPeers(): void {
    for (const p of this.peers) p.peer.tick(this.clock.now());
  }

  /** Delivers everything the neighbours have sent, until they are quiet. */
  pump(limit = 10_000): Outcome[] {
    const out: Outcome[] = [];
    for (let n = 0; this.toRelay.length; n++) {
      if (n > limit) throw new Error('pump: no end to the traffic');
      const { peer, datagram } = this.toRelay.shift()!;
      out.push(this.deliver(peer, datagram));
    }
    return out;
  }

  /** Plays the software's log to the device as a host would, checking every transmission. */
  private playLog(): void {
    // Bringing a link up makes the mesh send (Hello, Probe): play until nothing new is logged.
    for (let round = 0; round < 10; round++) {
      const log = this.log;
      this.log = [];
      this.playOnce(log);
      this.syncSessions();
      if (!this.log.length) return this.checkTxCounters('after the host played the software\'s log');
    }
    throw new Error('playLog: the software keeps sending');
  }

  private playOnce(log: Act[]): void {
    this.syncSessions();
    let lastSeal: Extract<Act, { kind: 'seal' }> | undefined;
    for (const a of log) {
      if (a.kind === 'publish') this.publish(a.slot);
      else if (a.kind === 'retire') this.retire(a.ref);
      else if (a.kind === 'seal') lastSeal = a;
      else {
        const d = this.dev;
        const before = d.tx.map((t) => t.length);
        const p = this.peers[a.peer]!;
        if (a.datagram[1] === MessageType.Transport) {
          if (!lastSeal || !equalBytes(lastSeal.frame, a.datagram)) throw new TwinMismatch('a transport datagram the software did not seal just before');
          const inner = new Uint8Array([lastSeal.innerType, lastSeal.payload.length >> 8, lastSeal.payload.length & 0xff, ...lastSeal.payload]);
          d.hostSend(new Uint8Array([...encodeHostHeader({ kind: 'seal', port: 0, peer: a.peer, length: inner.length }), ...inner]));
        } else {
          const f = this.egressFrame(a.peer, a.datagram);
          d.hostSend(new Uint8Array([...encodeHostHeader({ kind: 'raw', port: p.port, peer: a.peer, length: f.length }), ...f]));
        }
        d.settle();
        const got = d.tx[p.port]!.slice(before[p.port]);
        const want = this.egressFrame(a.peer, a.datagram);
        if (got.length !== 1 || !equalBytes(got[0]!, want)) {
          throw new TwinMismatch(`host ${a.datagram[1] === MessageType.Transport ? 'seal job' : 'raw frame'} for peer ${a.peer}:\n  device   ${got.map(hex).join(' | ') || '(nothing)'}\n  software ${hex(want)}`);
        }
        p.peer.receive(a.datagram, this.clock.now());
      }
    }
  }

  private deliverToPeers(log: Act[]): void {
    for (const a of log) if (a.kind === 'transmit') this.peers[a.peer]!.peer.receive(a.datagram, this.clock.now());
  }

  /** Session IDs and link-up state from R's links to the peer registers (and the mesh). */
  private syncSessions(): void {
    for (const p of this.peers) {
      const ids = p.relay.sessionIds;
      const d = this.dev;
      if (ids) {
        if (this.ctrl[p.index]!.session === 0 || d.read('peer', 'local_id', p.index) !== ids.local || d.read('peer', 'remote_id', p.index) !== ids.remote) {
          d.write('peer', 'local_id', ids.local, p.index);
          d.write('peer', 'remote_id', ids.remote, p.index);
        }
      }
      const established = p.relay.state === 'established';
      if (established && this.ctrl[p.index]!.up === 0) this.mesh.linkUp(p.index, { kind: 'datagram', publicKey: p.identity.publicKey });
      this.setCtrl(p.index, { session: ids ? 1 : 0, up: established ? 1 : 0 });
    }
  }

  private publish(s: KeySlot): void {
    const slot = s.peer * SLOTS_PER_PEER + (s.direction === 'rx' ? 2 : 0) + (s.generation & 1);
    const have = this.hwSlots.get(slot);
    const key = hex(s.key);
    if (!have || have.gen !== s.generation || have.key !== key) {
      this.dev.installKey(slot, s.key, s.generation);
      this.hwSlots.set(slot, { gen: s.generation, key });
    }
    if (s.role === 'current') this.setCtrl(s.peer, s.direction === 'rx' ? { rx_valid: 1, rx_slot: s.generation & 1 } : { tx_valid: 1, tx_slot: s.generation & 1 });
  }

  private retire(r: KeyRef): void {
    const slot = r.peer * SLOTS_PER_PEER + (r.direction === 'rx' ? 2 : 0) + (r.generation & 1);
    if (this.hwSlots.get(slot)?.gen !== r.generation) return;
    this.dev.retireKey(slot);
    this.hwSlots.delete(slot);
    const c = this.ctrl[r.peer]!;
    if (r.direction === 'rx' && c.rx_valid && c.rx_slot === (r.generation & 1)) this.setCtrl(r.peer, { rx_valid: 0 });
    if (r.direction === 'tx' && c.tx_valid && c.tx_slot === (r.generation & 1)) this.setCtrl(r.peer, { tx_valid: 0 });
  }

  // ---- sessions, routes, traffic --------------------------------------------------------------

  /** Starts every link and runs handshakes until all are established (both ways through the device). */
  establish(): void {
    this.log = [];
    for (const p of this.peers) {
      p.relay.start(this.clock.now());
      p.peer.start(this.clock.now());
    }
    this.playLog();
    for (let round = 0; round < 20 && this.peers.some((p) => p.relay.state !== 'established' || p.peer.state !== 'established'); round++) {
      this.pump();
      this.advance(1);
    }
    this.pump();
    const bad = this.peers.filter((p) => p.relay.state !== 'established' || p.peer.state !== 'established');
    if (bad.length) throw new Error(`links not established: ${bad.map((p) => `${p.index} (${p.relay.state}/${p.peer.state})`).join(', ')}`);
  }

  /** A forwarding rule in R's software and in the device's route table. */
  addRule(routeId: number, from: number, to: number, nextRoute: number): void {
    this.mesh.rules.install(routeId, from, { kind: 'forward', port: to, nextRoute, qos: false, hop: 'plain' }, { kind: 'twin' }, this.clock.now());
    const counter = this.nextCounter++;
    this.ruleCounters.set(routeId, counter);
    const value = encodeAction(this.routeLayout, { kind: 'forward', port: to, nextRoute: BigInt(nextRoute), qos: false, counter });
    for (const c of this.tableManager.insert(routeKey(from, routeId), value)) this.dev.routeCommand(c);
  }

  removeRule(routeId: number, from: number): void {
    this.mesh.rules.remove(routeId, 'teardown');
    for (const c of this.tableManager.delete(routeKey(from, routeId))) this.dev.routeCommand(c);
  }

  ruleCounter(routeId: number): number {
    return this.ruleCounters.get(routeId)!;
  }

  /** A route packet on channel 1 (route ID, counter, an end-to-end sealed body of random bytes). */
  static routePacket(routeId: number, counter: number, bodyBytes: number): Uint8Array {
    const packet = new Uint8Array(12 + bodyBytes);
    const v = new DataView(packet.buffer);
    v.setUint32(0, routeId);
    v.setUint32(4, Math.floor(counter / 2 ** 32));
    v.setUint32(8, counter >>> 0);
    packet.set(randomBytes(bodyBytes), 12);
    const frame = new Uint8Array(6 + packet.length);
    new DataView(frame.buffer).setUint32(0, packet.length);
    new DataView(frame.buffer).setUint16(4, 1);
    frame.set(packet, 6);
    return frame;
  }

  /** Neighbour k sends a payload (a Data message) over its link; the datagram waits in toRelay. */
  peerSends(k: number, payload: Uint8Array): void {
    if (!this.peers[k]!.peer.send(payload, this.clock.now())) throw new Error(`peer ${k} could not send`);
  }
}

export class TwinMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TwinMismatch';
  }
}

function secretFrom(rng: Rng): Uint8Array {
  for (;;) {
    const k = rng.bytes(32);
    if (k.some((b) => b !== 0) && k[0]! < 0xf0) return k;
  }
}

export { INNER_HEADER_BYTES, InnerType };
