// The ingress parser in Verilator against the node's own decision for each frame
// (testbed/forwarding/ingress-model.ts: the host stack's Ethernet/IPv4/UDP checks from the
// RFCs, then host/link's receive order, readFrameHeader and key lookup). Random valid link
// frames from many peers mixed with every kind of bad or foreign frame, with input gaps and
// output stalls: every descriptor must be the model's, every frame must come out whole and
// unchanged, and a buffer overflow must drop frames whole and say so.
import { beforeAll, describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES, MAX_FRAME_BYTES, MessageType, TAG_BYTES } from '../../spec/link-wire.ts';
import { decodeDesc } from '../../rtl-gen/forwarding/descriptor.ts';
import { ingressParser } from '../../rtl-gen/forwarding/ingress.ts';
import { type SimDut, Rng, simulate } from '../../sim/index.ts';
import { buildUdpFrame, internetChecksum, padFrame } from '../../spec/ethernet.ts';
import { type PeerConfig, type PortConfig, classifyFrame } from '../../testbed/forwarding/ingress-model.ts';
import { bigToBytes, bytesToBig } from '../../spec/bytes.ts';

const N = 16;
const PORT: PortConfig = { index: 0, mac: Uint8Array.of(0x02, 0, 0, 0, 0, 0x10), ip: 0x0a000001, udpPort: 7700, forwardEnable: true };

function peersFor(rng: Rng): PeerConfig[] {
  return Array.from({ length: N }, (_, i) => {
    const g = rng.int(0, 1000);
    return {
      enabled: i !== 13,
      session: i !== 7,
      port: i % 5 === 4 ? 1 : 0,
      ip: 0x0a000100 + i,
      udpPort: 7000 + (i % 3),
      localId: rng.u32(),
      rxValid: i !== 3,
      rxSlot: g & 1,
      rxKeys: (g & 1 ? [{ valid: i !== 9, gen: g + 1 }, { valid: true, gen: g }] : [{ valid: true, gen: g }, { valid: i !== 9, gen: g + 1 }]) as PeerConfig['rxKeys'],
    };
  });
}

function configure(dut: SimDut, port: PortConfig, peers: PeerConfig[]): void {
  const vec = (w: number, f: (p: PeerConfig, i: number) => number | bigint): bigint => peers.reduce((v, p, i) => v | (BigInt(f(p, i)) << BigInt(w * i)), 0n);
  dut.cfg_port_index.value = port.index;
  dut.cfg_forward_enable.value = port.forwardEnable ? 1 : 0;
  dut.cfg_mac.value = bytesToBig(Uint8Array.from(port.mac).reverse());
  dut.cfg_ip.value = port.ip;
  dut.cfg_udp_port.value = port.udpPort;
  dut.cfg_peer_enabled.value = Number(vec(1, (p) => (p.enabled ? 1 : 0)));
  dut.cfg_peer_session.value = Number(vec(1, (p) => (p.session ? 1 : 0)));
  dut.cfg_peer_port.value = vec(4, (p) => p.port);
  dut.cfg_peer_ip.value = vec(32, (p) => p.ip);
  dut.cfg_peer_udp_port.value = vec(16, (p) => p.udpPort);
  dut.cfg_peer_local_id.value = vec(32, (p) => p.localId);
  dut.cfg_peer_rx_valid.value = Number(vec(1, (p) => (p.rxValid ? 1 : 0)));
  dut.cfg_peer_rx_slot.value = Number(vec(1, (p) => p.rxSlot));
  dut.cfg_rxkey_valid.value = peers.reduce((v, p, i) => v | (BigInt(p.rxKeys[0].valid ? 1 : 0) << BigInt(2 * i)) | (BigInt(p.rxKeys[1].valid ? 1 : 0) << BigInt(2 * i + 1)), 0n);
  dut.cfg_rxkey_gen.value = peers.reduce((v, p, i) => v | (BigInt(p.rxKeys[0].gen) << BigInt(64 * i)) | (BigInt(p.rxKeys[1].gen) << BigInt(64 * i + 32)), 0n);
}

function linkHeader(receiver: number, generation: number, counter: bigint, o: { version?: number; type?: number; flags?: number } = {}): Uint8Array {
  const h = new Uint8Array(FRAME_HEADER_BYTES);
  const v = new DataView(h.buffer);
  v.setUint8(0, o.version ?? 1);
  v.setUint8(1, o.type ?? MessageType.Transport);
  v.setUint16(2, o.flags ?? 0);
  v.setUint32(4, receiver);
  v.setUint32(8, generation);
  v.setBigUint64(12, counter);
  return h;
}

/** A random frame: mostly good transport frames, the rest every kind of bad or foreign one. */
function randomFrame(rng: Rng, peers: PeerConfig[]): Uint8Array {
  const i = rng.int(0, N - 1);
  const p = peers[i]!;
  const parity = rng.int(0, 1);
  let gen = p.rxKeys[parity]!.gen;
  let counter = BigInt(rng.int(0, 2 ** 30)) * BigInt(rng.int(1, 2 ** 20));
  let receiver = p.localId;
  let body = 16 * rng.int(1, 88);
  const o: { version?: number; type?: number; flags?: number } = {};
  let extra = 0;
  const pick = rng.next();
  let bad = '';
  if (pick < 0.55) bad = '';
  else bad = ['gen', 'recv', 'version', 'type', 'hs', 'flags', 'len', 'short', 'long', 'limit', 'tiny', 'mac', 'bcast', 'ethertype', 'ipcsum', 'udpcsum', 'nocsum', 'proto', 'dstip', 'dstport', 'frag', 'options', 'src', 'runt', 'iplen', 'udplen', 'pad', 'ver6'][rng.int(0, 27)]!;
  if (bad === 'gen') gen += 2 * rng.int(1, 3);
  if (bad === 'recv') receiver ^= 1 << rng.int(0, 31);
  if (bad === 'version') o.version = rng.int(2, 255);
  if (bad === 'type') o.type = [0, 4, 9, 255][rng.int(0, 3)];
  if (bad === 'hs') o.type = rng.int(1, 2);
  if (bad === 'flags') o.flags = rng.int(1, 0xffff);
  if (bad === 'len') extra = rng.int(1, 15);
  if (bad === 'short') body = 0;
  if (bad === 'long') body = 1424;
  if (bad === 'limit') counter = 2n ** 52n + BigInt(rng.int(0, 1000));
  let dgram = new Uint8Array([...linkHeader(receiver, gen, counter, o), ...rng.bytes(body + extra + TAG_BYTES)]);
  if (bad === 'tiny') dgram = dgram.subarray(0, rng.int(0, 30));
  expect(dgram.length <= MAX_FRAME_BYTES + 32).toBe(true);
  let f = buildUdpFrame({
    dstMac: bad === 'mac' ? Uint8Array.of(0x02, 0, 0, 0, 0, 0x11) : bad === 'bcast' ? new Uint8Array(6).fill(0xff) : PORT.mac,
    srcMac: Uint8Array.of(0x02, 0, 0, 0, 1, i),
    srcIp: bad === 'src' ? 0x0a000200 : p.ip,
    dstIp: bad === 'dstip' ? 0x0a000002 : PORT.ip,
    srcPort: p.udpPort,
    dstPort: bad === 'dstport' ? 7701 : PORT.udpPort,
    payload: dgram,
    udpChecksum: bad !== 'nocsum',
    ipId: rng.int(0, 0xffff),
    ttl: rng.int(1, 255),
  });
  const fixIp = (): void => {
    f[24] = 0;
    f[25] = 0;
    const c = internetChecksum(f.subarray(14, 34));
    f[24] = c >> 8;
    f[25] = c & 0xff;
  };
  if (bad === 'ethertype') [f[12], f[13]] = [0x08, 0x06];
  if (bad === 'ipcsum') f[24] ^= 0x10;
  if (bad === 'udpcsum') f[rng.int(42, f.length - 1)] ^= 0x01 << rng.int(0, 7); // payload changed, checksum kept
  if (bad === 'proto') (f[23] = 6), fixIp();
  if (bad === 'frag') (f[20] = 0x20), fixIp();
  if (bad === 'ver6') (f[14] = 0x65), fixIp();
  if (bad === 'options') {
    const g = new Uint8Array(f.length + 4);
    g.set(f.subarray(0, 34));
    g.set(f.subarray(34), 38);
    g[14] = 0x46;
    g[16] = ((f.length - 14 + 4) >> 8) & 0xff;
    g[17] = (f.length - 14 + 4) & 0xff;
    f = g;
    fixIp();
  }
  if (bad === 'runt') f = f.subarray(0, rng.int(1, 41));
  if (bad === 'iplen') (f[16] = 0x0f), fixIp();
  if (bad === 'udplen') (f[38] = 0x7f);
  if (bad === 'pad') f = padFrame(f.subarray(0, 42 + rng.int(0, 10)));
  return f;
}

interface Run { descs: ReturnType<typeof decodeDesc>[]; frames: Uint8Array[]; overflows: number; rxEvents: number[] }

function drive(dut: SimDut, frames: Uint8Array[], rng: Rng, o: { gap: number; stall: number; stallFor?: number }): Run {
  const beats: Array<{ data: bigint; keep: number; last: boolean }> = [];
  for (const f of frames) {
    for (let at = 0; at < f.length; at += 8) {
      const chunk = f.subarray(at, Math.min(f.length, at + 8));
      beats.push({ data: bytesToBig(chunk), keep: (1 << chunk.length) - 1, last: at + 8 >= f.length });
    }
  }
  const out: Run = { descs: [], frames: [], overflows: 0, rxEvents: [] };
  let cur: number[] = [];
  let i = 0;
  let cycle = 0;
  let idle = 0;
  while (i < beats.length || idle < 3000) {
    const b = beats[i];
    const send = b !== undefined && rng.next() >= o.gap;
    dut.s_axis_tvalid.value = send ? 1 : 0;
    if (send) {
      dut.s_axis_tdata.value = b.data;
      dut.s_axis_tkeep.value = b.keep;
      dut.s_axis_tlast.value = b.last ? 1 : 0;
    }
    const stalled = (o.stallFor !== undefined && cycle < o.stallFor) || rng.next() < o.stall;
    dut.m_frame_tready.value = stalled ? 0 : 1;
    dut.m_desc_tready.value = stalled ? 0 : 1;
    if (!stalled && Number(dut.m_frame_tvalid.value)) {
      const keep = Number(dut.m_frame_tkeep.value);
      const bytes = bigToBytes(BigInt(dut.m_frame_tdata.value), 8);
      for (let k = 0; k < 8; k++) if (keep & (1 << k)) cur.push(bytes[k]!);
      if (Number(dut.m_frame_tlast.value)) {
        out.frames.push(Uint8Array.from(cur));
        cur = [];
      }
    }
    if (!stalled && Number(dut.m_desc_tvalid.value)) out.descs.push(decodeDesc(4, BigInt(dut.m_desc_tdata.value)));
    out.overflows += Number(dut.ev_overflow.value);
    if (Number(dut.ev_rx_valid.value)) out.rxEvents.push(Number(dut.ev_rx_bytes.value));
    dut.tick(1);
    cycle++;
    if (send) i++;
    idle = i < beats.length ? 0 : idle + 1;
  }
  dut.s_axis_tvalid.value = 0;
  return out;
}

const strip = (d: ReturnType<typeof classifyFrame>): Record<string, unknown> => {
  const out: Record<string, unknown> = { action: d.action, frameBytes: d.frameBytes };
  if (d.peer !== undefined) out.peer = d.peer;
  if (d.reason) out.reason = d.reason;
  if (d.drop) out.drop = d.drop;
  if (d.action === 'open') Object.assign(out, { dgramBytes: d.dgramBytes, parity: d.parity, nextKey: d.nextKey, counter: d.counter });
  return out;
};

describe('ingress parser', () => {
  let dut: SimDut;
  beforeAll(async () => {
    dut = await simulate(ingressParser({ peers: N, fifoDepth: 1024, descDepth: 32 }));
  });
  const reset = (): void => {
    dut.s_axis_tvalid.value = 0;
    dut.rst.value = 1;
    dut.tick(3);
    dut.rst.value = 0;
  };

  it('decides 3,000 random frames as the node would, and passes every frame through whole', () => {
    reset();
    const rng = new Rng(41);
    const peers = peersFor(rng);
    configure(dut, PORT, peers);
    const frames = Array.from({ length: 3000 }, () => randomFrame(rng, peers));
    const r = drive(dut, frames, rng, { gap: 0.2, stall: 0.1 });
    expect(r.overflows).toBe(0);
    expect(r.rxEvents).toEqual(frames.map((f) => f.length));
    expect(r.frames.length).toBe(frames.length);
    r.frames.forEach((f, k) => expect(f, `frame ${k}`).toEqual(frames[k]));
    const want = frames.map((f) => strip(classifyFrame(f, PORT, peers)));
    r.descs.forEach((d, k) => expect(strip({ ...d, peer: want[k]!.peer === undefined ? undefined : d.peer } as never), `frame ${k}`).toEqual(want[k]));
    expect(r.descs.length).toBe(frames.length);
    const kinds = new Set(want.map((w) => JSON.stringify([w.action, w.reason, w.drop])));
    expect(kinds.size).toBe(18); // every outcome but passThrough (tested below)
    expect(want.filter((w) => w.action === 'open').length).toBeGreaterThan(1000);
  });

  it('hands everything up raw when forwarding is off', () => {
    reset();
    const rng = new Rng(3);
    const peers = peersFor(rng);
    const off = { ...PORT, forwardEnable: false };
    configure(dut, off, peers);
    const frames = Array.from({ length: 100 }, () => randomFrame(rng, peers));
    const r = drive(dut, frames, rng, { gap: 0, stall: 0 });
    expect(r.descs.map((d) => [d.action, d.reason])).toEqual(frames.map(() => ['host', 'passThrough']));
  });

  it('drops frames whole when the reader stalls and the buffer fills, and counts each', () => {
    reset();
    const rng = new Rng(9);
    const peers = peersFor(rng);
    configure(dut, PORT, peers);
    const frames = Array.from({ length: 120 }, () => randomFrame(rng, peers));
    const r = drive(dut, frames, rng, { gap: 0, stall: 0, stallFor: 4000 });
    expect([r.frames.length, r.overflows, r.descs.length]).toEqual([frames.length - r.overflows, r.overflows, frames.length - r.overflows]);
    expect(r.overflows).toBeGreaterThan(10);
    // What came out is whole frames, in order, each with its own descriptor.
    let k = 0;
    r.frames.forEach((f, j) => {
      while (k < frames.length && (frames[k]!.length !== f.length || !frames[k]!.every((b, x) => b === f[x]))) k++;
      expect(k, `output frame ${j} is an input frame`).toBeLessThan(frames.length);
      const want = strip(classifyFrame(frames[k]!, PORT, peers));
      expect(strip({ ...r.descs[j]!, peer: want.peer === undefined ? undefined : r.descs[j]!.peer } as never)).toEqual(want);
      k++;
    });
  });
});
