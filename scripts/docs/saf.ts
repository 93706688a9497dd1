// The store-and-forward section of docs/protocol.md, generated from host/saf: field tables from
// the codec's size constants, rules from the engine's named constants, and example datagrams
// captured from a simulated three-node route (the one data path: mesh nodes, route setup, the
// datagram service) with fixed seeds, so every byte is reproducible.
import { bytesToHex } from '@noble/hashes/utils.js';
import * as S from '../../host/saf/constants.ts';
import * as MeshLimits from '../../host/mesh/constants.ts';
import { decodeDatagramFrames } from '../../host/mesh/framing.ts';
import { decodeDatagram, type Datagram } from '../../host/saf/wire.ts';
import { FRAME_HEADER_BYTES, HOP_CHANNEL, MAX_ROUTE_PACKET_BYTES, MIN_ROUTE_PACKET_BYTES } from '../../spec/route-wire.ts';
import { SimMesh } from '../../testbed/sim-mesh.ts';

export interface Row {
  name: string;
  size: number | string;
  meaning: string;
}

export function layout(rows: Row[]): string {
  let off = 0;
  const out = rows.map((r) => {
    const line = `| ${typeof r.size === 'number' ? off : `${off}…`} | ${r.size} | \`${r.name}\` | ${r.meaning} |`;
    if (typeof r.size === 'number') off += r.size;
    return line;
  });
  return ['| Offset | Size | Field | Meaning |', '|---:|---:|---|---|', ...out].join('\n');
}

export function hexDump(b: Uint8Array): string {
  const lines: string[] = [];
  for (let o = 0; o < b.length; o += 16) lines.push(`${o.toString(16).padStart(4, '0')}  ${[...b.subarray(o, o + 16)].map((x) => x.toString(16).padStart(2, '0')).join(' ')}`);
  return '```\n' + lines.join('\n') + '\n```';
}

const cls = (c: number) => (c === S.Cls.realtime ? 'real time' : 'bulk');

function describe(d: Datagram): string {
  return d.messages
    .map((m) => {
      switch (m.type) {
        case S.SafMsg.Data: {
          const route = new DataView(m.packet.buffer, m.packet.byteOffset).getUint32(0);
          return `- Data: ${cls(m.cls)}, offset ${m.offset}, a route packet of ${m.packet.length} bytes for route ${route}`;
        }
        case S.SafMsg.HopAck:
          return `- HopAck: largest ${m.largest}, bitmap ${m.hi.toString(16).padStart(8, '0')}${m.lo.toString(16).padStart(8, '0')}`;
        case S.SafMsg.Credit:
          return `- Credit: route ${m.route}, ${cls(m.cls)}, freed ${m.freed}, window ${m.window} (the sender may send below ${m.freed + m.window})`;
      }
    })
    .join('\n');
}

interface Seen {
  from: string;
  to: string;
  frame: Uint8Array;
  d: Datagram;
}

/**
 * A route a -> b -> c over store-and-forward hops, and one datagram-service message from a to
 * c: the datagrams of interest, as sent. Timers and messages only, so driving the virtual
 * clock by hand is enough.
 */
function capture(): { data: Seen; ack: Seen; credit: Seen; relayed: Seen } {
  const sim = new SimMesh('docs/protocol.md store-and-forward');
  for (const n of ['a', 'b', 'c']) sim.addNode(n);
  const seen: Seen[] = [];
  sim.sendObservers.push((e) => {
    for (const f of decodeDatagramFrames(e.bytes).frames) {
      if (f.channel !== HOP_CHANNEL) continue;
      const d = decodeDatagram(f.payload);
      if (typeof d !== 'string') seen.push({ from: e.from, to: e.to, frame: e.bytes, d });
    }
  });
  const link = { latencyMs: 5, rateBytesPerSec: 1.25e6, pace: true, linkOverhead: true, forwarding: 'saf' as const };
  sim.link('a', 'b', link);
  sim.link('b', 'c', link);
  sim.clock.runUntil(20);
  const hops = ['b', 'c'].map((n) => ({ publicKey: sim.node(n).publicKey, address: sim.node(n).address }));
  sim.node('a').addRoute({ firstNeighbour: sim.neighbourId('a', 'b'), hops }).catch(() => undefined);
  sim.clock.runUntil(300);
  const route = sim.node('a').routes()[0];
  if (route?.state !== 'up') throw new Error('the example route did not come up');
  const from = seen.length;
  sim.node('c').onDatagram(7, () => undefined);
  sim.node('a').sendDatagram(route.id, 7, new TextEncoder().encode('store and forward'));
  sim.clock.runUntil(600);
  sim.close();
  const later = seen.slice(from);
  const data = later.find((s) => s.from === 'a' && s.d.messages.some((m) => m.type === S.SafMsg.Data))!;
  const ack = later.find((s) => s.from === 'b' && s.to === 'a' && s.d.messages.some((m) => m.type === S.SafMsg.HopAck && m.largest === data.d.seq))!;
  const credit = later.find((s) => s.from === 'b' && s.to === 'a' && s.d.messages.some((m) => m.type === S.SafMsg.Credit && m.cls === S.Cls.bulk && m.freed > 0))!;
  const relayed = later.find((s) => s.from === 'b' && s.to === 'c' && s.d.messages.some((m) => m.type === S.SafMsg.Data))!;
  return { data, ack, credit, relayed };
}

export function safProtocolSection(): string {
  const ex = capture();
  const gbps = 1e9 / 8;
  const sizing = [
    [10e6 / 8, 20, 'one 10 ms Wi-Fi hop (20 ms round trip)'],
    [10e6 / 8, 200, 'the same hop, ten loss-recovery rounds (50% loss)'],
    [100e6 / 8, 50, '100 Mb/s, 50 ms'],
    [gbps, 8000, 'the overview: 1 Gb/s, 8 s round trip'],
  ]
    .map(([rate, rtt, what]) => `| ${what} | ${((Number(rate) * 8) / 1e6).toLocaleString('en')} Mb/s | ${rtt} ms | ${fmtBytes((Number(rate) * Number(rtt)) / 1000)} |`)
    .join('\n');

  return `
## Store-and-forward hops (host/saf)

Every route packet a node sends (channel 1, below) leaves it through its store-and-forward
engine, and each hop of a route runs one of two ways, chosen per hop when the route is set up
(the route packet is the same either way):

- **plain**: the packet goes out once, alone in a channel-1 frame, as the forwarding plane
  forwards it. What the link loses, the end-to-end stream resends. Clean wired links run so.
- **store-and-forward**: the sender keeps the packet until the next node has it, resending on
  loss, and sends only into the buffer the next node granted for the route; packets of any
  number of routes to that neighbour share channel-2 hop datagrams (bundling), with the
  neighbour's acknowledgements and credits. A lossy hop costs resends on that hop only, and a
  full buffer stops the route upstream, hop by hop to the source, instead of dropping. The
  forwarding plane holds such a rule as "deliver to the host" (channel ${HOP_CHANNEL}), and the host
  forwards.

**Choice per hop.** A node runs its hop to a neighbour store-and-forward when the link's
measured loss is at least \`safLossThreshold\` (${MeshLimits.DEFAULT_SAF_LOSS_THRESHOLD * 100} %), or when the
neighbour's config says \`forwarding: "saf"\` (\`"plain"\` forces the other way). The loss is
what the link layer counts missing among the neighbour's frames, reported to the neighbour in
ProbeReply (every ${MeshLimits.PROBE_INTERVAL_MS / 1000} s); each node decides for the packets it sends, so the
two directions of a hop may differ. The source learns every forward hop's choice in Extended,
and a route whose every hop is store-and-forward is *hop-reliable*: it loses nothing while it
lives.

**Lanes.** Per route and direction, a hop has two lanes, real time and bulk, each with its own
hop offsets, buffer and credit, so a full bulk lane never holds up a ping. A route packet's
class is its sender's choice: setup messages, pings, stream acknowledgements and real-time
streams and datagrams go real time; a relay keeps the class a packet arrived in (on a plain hop
it has only the route's QoS bit, as the forwarding plane does).

A **hop datagram** is the payload of one channel-${HOP_CHANNEL} frame (at most \`SAF_MTU_BYTES\` =
${S.SAF_MTU_BYTES} bytes, so one encrypted link frame and one UDP packet). A route packet is at most
${MAX_ROUTE_PACKET_BYTES} bytes, so it always fits one datagram alone and crosses plain and
store-and-forward hops alike. All integers are big-endian; offsets are 48-bit byte positions in
a lane (its packets numbered by their bytes, per hop).

### Datagram

${layout([
  { name: 'version', size: 1, meaning: `${S.SAF_VERSION}` },
  { name: 'flags', size: 1, meaning: `bit 0 (0x${S.FLAG_ACK_ELICITING.toString(16).padStart(2, '0')}): ack-eliciting (carries Data; set exactly when it does); other bits zero` },
  { name: 'seq', size: 4, meaning: 'u32 per-neighbour sequence number of ack-eliciting datagrams (never reused: a resend is a new datagram)' },
  { name: 'messages', size: 'rest', meaning: 'messages back to back, each starting with its type byte' },
])}

### Data (type ${S.SafMsg.Data}), ${S.DATA_HEADER_BYTES} bytes + the route packet

${layout([
  { name: 'type', size: 1, meaning: `${S.SafMsg.Data}` },
  { name: 'flags', size: 1, meaning: `bit 0 (0x${S.FLAG_REALTIME.toString(16).padStart(2, '0')}): the route's real-time lane (else bulk)` },
  { name: 'offset', size: S.OFFSET_BYTES, meaning: "the packet's offset in its lane" },
  { name: 'length', size: 2, meaning: `route packet bytes (a whole packet, ${MIN_ROUTE_PACKET_BYTES}…${S.MAX_PACKET_BYTES})` },
  { name: 'packet', size: 'length', meaning: 'the route packet: route ID on this hop (which names the lane), counter, sealed body' },
])}

### HopAck (type ${S.SafMsg.HopAck}), ${S.HOP_ACK_BYTES} bytes: the first acknowledgement

${layout([
  { name: 'type', size: 1, meaning: `${S.SafMsg.HopAck}` },
  { name: 'largest', size: 4, meaning: 'largest datagram seq received from this neighbour' },
  { name: 'bitmap', size: S.ACK_BITMAP_BITS / 8, meaning: `u64; bit i set: seq largest − 1 − i was received (i < ${S.ACK_BITMAP_BITS})` },
])}

### Credit (type ${S.SafMsg.Credit}), ${S.CREDIT_BYTES} bytes: the second acknowledgement

${layout([
  { name: 'type', size: 1, meaning: `${S.SafMsg.Credit}` },
  { name: 'flags', size: 1, meaning: `bit 0 (0x${S.FLAG_REALTIME.toString(16).padStart(2, '0')}): the real-time lane` },
  { name: 'route', size: 4, meaning: 'route ID on this hop (as the upstream node sends it)' },
  { name: 'freed', size: S.OFFSET_BYTES, meaning: "offset below which the receiver's lane buffer is free (every packet below it forwarded and acknowledged downstream, or taken by the route end)" },
  { name: 'window', size: 4, meaning: "the receiver's buffer for the lane, bytes (at least the initial window)" },
])}

Malformed datagrams (short, oversized, unknown version, type or flag bits, a length past the
end or outside a route packet's, an offset past 2^48) are dropped and counted by reason;
nothing throws.

### Rules

- **Credit.** For each lane the sender holds the receiver's \`freed + window\` and sends no packet
  that would reach past it; before the first Credit it assumes the initial window
  (${fmtBytes(S.INITIAL_WINDOW_BYTES[S.Cls.bulk])} bulk, ${fmtBytes(S.INITIAL_WINDOW_BYTES[S.Cls.realtime])} real time), which every receiver grants at least. Its bookkeeping
  is the overview's list: the receiver's buffer (\`window\`), predicted occupancy (highest byte
  sent − \`freed\`), acknowledged occupancy, and for each datagram in flight every packet in it,
  kept until acknowledged. A receiver holds a packet until it is done with it: forwarded and
  hop-acknowledged by the next hop (store-and-forward), put on the wire (plain), or taken by the
  route end (a paused stream keeps it, so a receiver that stops reading fills the route back to
  the source). Packets are released in any order; \`freed\` moves past the contiguous released
  prefix.
- **Hop acknowledgement.** A receiver acknowledges ack-eliciting datagrams at once after
  ${S.ACK_EVERY_DATAGRAMS} of them or after a gap, otherwise within ${S.MAX_ACK_DELAY_MS} ms,
  piggybacked on anything it sends that way. A datagram is lost when one sent
  ${S.REORDER_THRESHOLD} later is acknowledged and it is not (no timeout needed), or when nothing
  was acknowledged for an RTO (RFC 6298 estimate + ack delay, ${S.HOP_RTO.minMs}–${S.HOP_RTO.maxMs} ms,
  doubled at most ${S.SAF_MAX_BACKOFF} times: a lossy radio loses probes as well, and TCP-style
  backoff would stall a route that is merely lossy; seeded by the link's probe RTT). Its
  packets are resent, first, in new datagrams; a duplicate (a resend whose first copy arrived)
  is dropped by the receiver's lane.
- **Credit updates** go out when an eighth of the buffer was freed, piggybacked otherwise, and
  every ${S.CREDIT_REFRESH_MS} ms while the lane holds packets or for ${S.LANE_IDLE_MS} ms after data
  arrived or its grant grew (a lost update must not leave the sender waiting).
- **Relays forward out of order**: a packet goes on as soon as it arrives, whatever came before
  it, so a loss on one hop does not leave the next one idle; the end-to-end stream puts bytes in
  order at the destination.
- **Lifetime.** Lanes live with their route's rules: created by the first packet (a receiver
  accepts packets only for a route it has a rule for), closed with the rule (teardown, idle
  expiry, a link lost), and everything they held is released. A neighbour that restarts has a
  new link session, which ends every route through it; the source's stream, which keeps every
  byte until the destination acknowledges it, resends over a repaired route.
- **QoS.** A datagram carries real-time packets first; bulk only when no real-time packet (on a
  lane with credit, or waiting for a plain hop) waits, and a datagram with real-time packets
  carries no bulk, so a real-time packet waits at most for the datagram being sent at each hop.
  Within a class, lanes take turns, and the paced plain queue alternates with them.
- **Pacing.** A neighbour whose link rate is configured (\`capacityMbps\`) gets datagrams and
  plain frames no faster than that, counting each frame's link and UDP overhead, at most
  ${S.PACER_SLACK_MS} ms worth (at least one full datagram) back to back, so the queue below the
  engine stays short and priority happens in the engine. Plain frames wait at most
  ${S.PLAIN_QUEUE_MS} ms of the link (at least ${fmtBytes(S.MIN_PLAIN_QUEUE_BYTES)}) and are dropped beyond, as a router
  queue drops; on an unpaced link they go straight out.

### Sizing buffers

A hop keeps the link busy only if its lane buffer covers the bytes in flight on it: rate ×
round-trip time, times the number of resend rounds a loss takes (about log(ε)/log(p) at loss
p). The source's stream keeps everything not yet acknowledged end to end, so its send buffer
must cover every relay's buffer on the path plus rate × end-to-end round trip; otherwise the
source, not the links, limits the route (the default, ${fmtBytes(MeshLimits.DEFAULT_SEND_BUFFER_BYTES)}, covers eight hops
of the default ${fmtBytes(S.DEFAULT_BUFFER_BYTES[S.Cls.bulk])} lanes). Buffers never grow past their configuration
(${fmtBytes(S.MIN_BUFFER_BYTES[S.Cls.bulk])} to ${fmtBytes(S.MAX_BUFFER_BYTES)} per lane and node).

| Case | Rate | Round trip | Rate × round trip |
|---|---:|---:|---:|
${sizing}

### Constants

| Name | Value | Note |
|---|---:|---|
| \`SAF_MTU_BYTES\` | ${S.SAF_MTU_BYTES} | largest hop datagram: a link frame's payload less its channel header |
| \`DATAGRAM_HEADER_BYTES\` | ${S.DATAGRAM_HEADER_BYTES} | version, flags, seq |
| \`DATA_HEADER_BYTES\` | ${S.DATA_HEADER_BYTES} | per route packet |
| \`MAX_ROUTE_PACKET_BYTES\` | ${MAX_ROUTE_PACKET_BYTES} | a route packet alone fills a datagram |
| \`INITIAL_WINDOW_BYTES\` | ${S.INITIAL_WINDOW_BYTES[S.Cls.bulk]} / ${S.INITIAL_WINDOW_BYTES[S.Cls.realtime]} | bulk / real time: credit before the first Credit, and the least a buffer may be |
| \`DEFAULT_BUFFER_BYTES\` | ${S.DEFAULT_BUFFER_BYTES[S.Cls.bulk]} / ${S.DEFAULT_BUFFER_BYTES[S.Cls.realtime]} | per lane and node, unless configured |
| \`ACK_EVERY_DATAGRAMS\` / \`MAX_ACK_DELAY_MS\` | ${S.ACK_EVERY_DATAGRAMS} / ${S.MAX_ACK_DELAY_MS} | hop acknowledgement policy |
| \`REORDER_THRESHOLD\` | ${S.REORDER_THRESHOLD} | the gap rule |
| \`HOP_RTO.initialMs\` | ${S.HOP_RTO.initialMs} | before an RTT sample |
| \`CREDIT_REFRESH_MS\` / \`LANE_IDLE_MS\` | ${S.CREDIT_REFRESH_MS} / ${S.LANE_IDLE_MS} | credit repetition |
| \`PLAIN_QUEUE_MS\` | ${S.PLAIN_QUEUE_MS} | plain frames queued on a paced link, at most |
| \`MAX_INFLIGHT_DATAGRAMS\` | ${S.MAX_INFLIGHT_DATAGRAMS} | per neighbour |

### Implementation map

| File | Concept |
|---|---|
| \`spec/route-wire.ts\` | the hop channel, header sizes, the largest route packet |
| \`host/saf/constants.ts\` | wire sizes, classes, timers, limits, a frame's bytes on the wire |
| \`host/saf/wire.ts\` | the datagram codec (this section's tables) |
| \`host/saf/lanes.ts\` | a lane's sender (queue, credit, resends) and receiver (holds, duplicates, freed) |
| \`host/saf/hop.ts\` | one neighbour: datagrams in flight, acknowledgements owed, RTT, lanes, plain queues |
| \`host/saf/pacer.ts\` | token-bucket pacing per neighbour |
| \`host/saf/ranges.ts\` | range sets of offsets |
| \`host/saf/engine.ts\` | the engine: sends, receives, the scheduler (no I/O, injected clock) |
| \`host/mesh/node.ts\` | where route packets meet it: rules, the choice per hop, route ends |

### Example datagrams

A route a → b → c with both hops store-and-forward, fixed seeds; a sends the datagram-service
message "store and forward" to c.

a's hop datagram to b (channel ${HOP_CHANNEL} frame, seq ${ex.data.d.seq}):

${hexDump(ex.data.frame)}

${describe(ex.data.d)}

Its route packet is sealed end to end; b reads only its first four bytes, the route ID. b
acknowledges the datagram (the first acknowledgement), and grants its first credit for the
lane:

${hexDump(ex.ack.frame)}

${describe(ex.ack.d)}

b forwards the packet to c with c's route ID, in its own datagram of the b → c hop:

${hexDump(ex.relayed.frame)}

${describe(ex.relayed.d)}

and once c has acknowledged it, b's credit to a (the second acknowledgement) says the packet's
place in b's buffer is free again:

${hexDump(ex.credit.frame)}

${describe(ex.credit.d)}

Payload: \`${bytesToHex(new TextEncoder().encode('store and forward'))}\` inside the sealed body; the frames' first
${FRAME_HEADER_BYTES} bytes are the channel header.
`;
}

function fmtBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(n % 2 ** 30 ? 2 : 0)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${n} B`;
}
