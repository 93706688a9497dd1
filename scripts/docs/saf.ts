// The store-and-forward section of docs/protocol.md, generated from host/saf: field tables from
// the codec's size constants, rules from the engine's named constants, and example datagrams
// produced by running the engine in the simulator.
import { bytesToHex } from '@noble/hashes/utils.js';
import * as S from '../../host/saf/constants.ts';
import { decodeDatagram, type Datagram } from '../../host/saf/wire.ts';
import { chainConfigs, patternBytes, SafSim } from '../../testbed/sim-saf.ts';

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

function describe(d: Datagram): string {
  return d.messages
    .map((m) => {
      switch (m.type) {
        case S.SafMsg.Data:
          return `- Data: route ${m.route}, epoch ${m.epoch}, offset ${m.offset}, ${m.bytes.length} bytes${m.plain ? ' (plain)' : ''}`;
        case S.SafMsg.HopAck:
          return `- HopAck: largest ${m.largest}, bitmap ${m.hi.toString(16).padStart(8, '0')}${m.lo.toString(16).padStart(8, '0')}`;
        case S.SafMsg.Credit:
          return `- Credit: route ${m.route}, epoch ${m.epoch}, freed ${m.freed}, window ${m.window} (the sender may send below ${m.freed + m.window}), end-to-end ${m.e2e}${m.unsynced ? ', UNSYNCED' : ''}`;
        case S.SafMsg.Sync:
          return `- Sync: route ${m.route}, epoch ${m.epoch}, base ${m.base}${m.verify ? ' (verify)' : ''}`;
        case S.SafMsg.ResetRequest:
          return `- ResetRequest: route ${m.route}, epoch ${m.epoch}`;
      }
    })
    .join('\n');
}

export function safProtocolSection(): string {
  // A two-hop chain with a fixed seed: every example byte is reproducible.
  const { configs, links } = chainConfigs({ hops: 2, rate: 1250, delayMs: 5 });
  const sim = new SafSim(configs, links, 2017);
  sim.recordWire = true;
  sim.linksUp();
  sim.run(20);
  sim.engines[0].write(1, new TextEncoder().encode('store and forward'), sim.now);
  sim.run(60);
  const dec = sim.wire.map((w) => ({ ...w, d: decodeDatagram(w.bytes) as Datagram }));
  const sync = dec.find((w) => w.from === 0 && w.d.messages.some((m) => m.type === S.SafMsg.Sync))!;
  const data = dec.find((w) => w.from === 0 && w.d.messages.some((m) => m.type === S.SafMsg.Data))!;
  const ack = dec.find((w) => w.from === 1 && w.to === 0 && w.at >= data.at && w.d.messages.some((m) => m.type === S.SafMsg.HopAck))!;
  const credit = dec.find((w) => w.from === 1 && w.to === 0 && w.at > ack.at && w.d.messages.some((m) => m.type === S.SafMsg.Credit && m.e2e > 0))!;
  void patternBytes;
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
## Store-and-forward (host/saf)

Routes are source-routed label paths: at each node a route entry maps (previous hop, route ID
in) to (next hop, route ID out); the application's end of a route is a local ID. The table is
static for now (each node's config file); dynamic route setup will replace only where it comes
from. On every hop of a route the sender keeps what it sent until the next node has it, and the
next node tells the sender how much room its buffer for the route has, so a lossy hop costs
local resends, never an end-to-end loss, and a full buffer stops the route upstream instead of
dropping.

A store-and-forward **datagram** is the payload of one link \`Data\` frame (at most
\`SAF_MTU_BYTES\` = ${S.SAF_MTU_BYTES} bytes, so one encrypted frame and one UDP packet). It holds
messages of any number of routes going to the same neighbour (bundling), plus that neighbour's
acknowledgements and credits. All integers are big-endian; offsets are 48-bit byte positions
in a route's end-to-end stream.

### Datagram

${layout([
  { name: 'version', size: 1, meaning: `${S.SAF_VERSION}` },
  { name: 'flags', size: 1, meaning: `bit 0 (0x${S.FLAG_ACK_ELICITING.toString(16).padStart(2, '0')}): ack-eliciting (carries Data or Sync); other bits zero` },
  { name: 'seq', size: 4, meaning: 'u32 per-neighbour sequence number of ack-eliciting datagrams (never reused: a resend is a new datagram)' },
  { name: 'messages', size: 'rest', meaning: 'messages back to back, each starting with its type byte' },
])}

### Data (type ${S.SafMsg.Data}), ${S.DATA_HEADER_BYTES} bytes + payload

${layout([
  { name: 'type', size: 1, meaning: `${S.SafMsg.Data}` },
  { name: 'flags', size: 1, meaning: `bit 0 (0x${S.DATA_FLAG_PLAIN.toString(16).padStart(2, '0')}): plain forwarding (no hop acknowledgement, no credit)` },
  { name: 'route', size: 4, meaning: 'route ID on this hop' },
  { name: 'epoch', size: 2, meaning: 'route epoch (see Sync); data of another epoch is dropped' },
  { name: 'offset', size: S.OFFSET_BYTES, meaning: 'end-to-end stream offset of the first byte' },
  { name: 'length', size: 2, meaning: 'payload bytes, 1 or more' },
  { name: 'payload', size: 'length', meaning: 'route bytes' },
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
  { name: 'flags', size: 1, meaning: `bit 0 (0x${S.CREDIT_FLAG_UNSYNCED.toString(16).padStart(2, '0')}): unsynced, the receiver has no state for this epoch (it restarted)` },
  { name: 'route', size: 4, meaning: 'route ID on this hop (as the upstream node sends it)' },
  { name: 'epoch', size: 2, meaning: 'epoch this credit belongs to' },
  { name: 'freed', size: S.OFFSET_BYTES, meaning: "offset below which the receiver's route buffer is free (forwarded and acknowledged downstream)" },
  { name: 'window', size: 4, meaning: "the receiver's buffer for the route, bytes" },
  { name: 'e2e', size: S.OFFSET_BYTES, meaning: 'offset up to which the destination delivered the route (end-to-end acknowledgement, relayed upstream hop by hop)' },
])}

### Sync (type ${S.SafMsg.Sync}), ${S.SYNC_BYTES} bytes, and ResetRequest (type ${S.SafMsg.ResetRequest}), ${S.RESET_REQUEST_BYTES} bytes

${layout([
  { name: 'type', size: 1, meaning: `${S.SafMsg.Sync}` },
  { name: 'flags', size: 1, meaning: `bit 0 (0x${S.SYNC_FLAG_VERIFY.toString(16).padStart(2, '0')}): verify only` },
  { name: 'route', size: 4, meaning: 'route ID on this hop' },
  { name: 'epoch', size: 2, meaning: 'new epoch (serial-number order, RFC 1982)' },
  { name: 'base', size: S.OFFSET_BYTES, meaning: "offset the route restarts from (the source's end-to-end point)" },
])}

${layout([
  { name: 'type', size: 1, meaning: `${S.SafMsg.ResetRequest}` },
  { name: 'route', size: 4, meaning: 'route ID on this hop (as the upstream node sends it)' },
  { name: 'epoch', size: 2, meaning: 'the epoch to be replaced' },
])}

Malformed datagrams (short, oversized, unknown version, type or flag bits, a length past the
end, an offset past 2^48) are dropped and counted by reason; nothing throws.

### Rules

- **Credit.** For each route and hop the sender holds the receiver's \`freed + window\` and sends
  no byte at or above it. Its bookkeeping is the overview's list: the receiver's buffer size
  (\`window\`), predicted occupancy (highest byte sent − \`freed\`, acknowledged or not),
  acknowledged occupancy (contiguous hop-acknowledged prefix − \`freed\`), and for each datagram
  in flight the offset and size of every message in it, with the bytes themselves in the
  route's ring buffer. A relay frees bytes when its next hop acknowledges them; the
  destination when the application takes them; the **source only when the destination's
  end-to-end point passes them**, so a relay that crashes costs a resend, not data.
- **Hop acknowledgement.** A receiver acknowledges ack-eliciting datagrams at once after
  ${S.ACK_EVERY_DATAGRAMS} of them or after a gap, otherwise within ${S.MAX_ACK_DELAY_MS} ms,
  piggybacked on anything it sends that way. A datagram is lost when one sent
  ${S.REORDER_THRESHOLD} later is acknowledged and it is not (no timeout needed), or when nothing
  was acknowledged for an RTO (RFC 6298 estimate + ack delay, ${S.HOP_RTO.minMs}–${S.HOP_RTO.maxMs} ms,
  doubled at most ${S.SAF_MAX_BACKOFF} times: a lossy radio loses probes as well, and TCP-style
  backoff would stall a route that is merely lossy). Its messages are resent in new datagrams.
- **Credit updates** go out when an eighth of the buffer was freed, piggybacked otherwise, and
  every ${S.CREDIT_REFRESH_MS} ms while the route is busy or for ${S.ROUTE_IDLE_MS} ms after its
  grant last grew (a lost update must not leave the sender waiting).
- **Relays forward out of order**: bytes that arrived past a gap go on at once, so a loss on
  one hop does not leave the next one idle; the destination delivers in order, once.
- **Epochs.** The source starts a route with Sync(epoch, base); every node resets its state for
  the route, forwards the Sync, and answers with a Credit of the new epoch before any data
  flows. After a link session restarts, senders send Sync with the verify flag: a neighbour
  that kept the epoch answers with its credit, one that restarted answers unsynced; a relay
  then sends ResetRequest upstream, and the source starts a new epoch from its end-to-end point
  (control messages repeat every ${S.CONTROL_RETRY_MS} ms until answered).
- **QoS.** Each route is \`realtime\` or \`bulk\`. Datagrams carry real-time data first; bulk only
  when no real-time data waits, and a datagram with real-time bytes carries no bulk, so a
  real-time message waits at most for the datagram being sent at each hop. Within a class,
  routes take turns.
- **Pacing.** Each neighbour has a configured link rate; datagrams leave no faster (counting
  ${S.DEFAULT_LINK_OVERHEAD_BYTES} bytes of link overhead each), at most
  \`pacerBurstDatagrams\` (default ${S.PACER_BURST_DATAGRAMS}) back to back, so the queue below
  the engine stays short and priority happens in the engine.
- **Plain forwarding.** A route configured \`mode: plain\` is forwarded once per hop with no
  acknowledgements or credit: what is lost stays lost (the destination skips the gap).

### Sizing buffers

A hop keeps the link busy only if its route buffer covers the bytes in flight on it: rate ×
round-trip time, times the number of resend rounds a loss takes (about log(ε)/log(p) at loss
p). The source holds everything not yet delivered end to end, so its buffer must cover every
relay buffer on the path plus rate × end-to-end round trip; otherwise the source, not the
links, limits the route. Buffers never grow past their configuration (${fmtBytes(S.MIN_BUFFER_BYTES)}
to ${fmtBytes(S.MAX_BUFFER_BYTES)} per route and node).

| Case | Rate | Round trip | Rate × round trip |
|---|---:|---:|---:|
${sizing}

### Constants

| Name | Value | Note |
|---|---:|---|
| \`SAF_MTU_BYTES\` | ${S.SAF_MTU_BYTES} | largest datagram: one link frame's payload |
| \`DATAGRAM_HEADER_BYTES\` | ${S.DATAGRAM_HEADER_BYTES} | version, flags, seq |
| \`DATA_HEADER_BYTES\` | ${S.DATA_HEADER_BYTES} | per route message |
| \`MAX_DATA_BYTES\` | ${S.MAX_DATA_BYTES} | route bytes in a full datagram |
| \`MIN/MAX_BUFFER_BYTES\` | ${S.MIN_BUFFER_BYTES} / 2^30 | per route and node |
| \`ACK_EVERY_DATAGRAMS\` / \`MAX_ACK_DELAY_MS\` | ${S.ACK_EVERY_DATAGRAMS} / ${S.MAX_ACK_DELAY_MS} | hop acknowledgement policy |
| \`REORDER_THRESHOLD\` | ${S.REORDER_THRESHOLD} | the gap rule |
| \`HOP_RTO.initialMs\` | ${S.HOP_RTO.initialMs} | before an RTT sample |
| \`CREDIT_REFRESH_MS\` / \`ROUTE_IDLE_MS\` | ${S.CREDIT_REFRESH_MS} / ${S.ROUTE_IDLE_MS} | credit repetition |
| \`CONTROL_RETRY_MS\` | ${S.CONTROL_RETRY_MS} | Sync and ResetRequest repetition |
| \`MAX_INFLIGHT_DATAGRAMS\` | ${S.MAX_INFLIGHT_DATAGRAMS} | per neighbour |

### Implementation map

| File | Concept |
|---|---|
| \`host/saf/constants.ts\` | wire sizes, timers, limits |
| \`host/saf/wire.ts\` | the datagram codec (this section's tables) |
| \`host/saf/config.ts\` | the static route table and its checks |
| \`host/saf/route.ts\` | one route at one node: ring buffer, receive and send state |
| \`host/saf/hop.ts\` | one neighbour: datagrams in flight, acknowledgements owed, RTT |
| \`host/saf/pacer.ts\` | token-bucket pacing per neighbour |
| \`host/saf/ranges.ts\`, \`ring.ts\` | range sets and the circular byte store |
| \`host/saf/engine.ts\` | the event-driven engine (no I/O, injected time) |
| \`host/node/\` | the test-bed node: links + engine + UDP |

### Example datagrams

Two hops, fixed seed; the source writes "store and forward" on its route.

The source syncs its next hop (route ${(sync.d.messages[0] as { route: number }).route}):

${hexDump(sync.bytes)}

${describe(sync.d)}

The first data datagram (seq ${data.d.seq}):

${hexDump(data.bytes)}

${describe(data.d)}

Payload: \`${bytesToHex(new TextEncoder().encode('store and forward'))}\`.

The relay's hop acknowledgement (the first acknowledgement):

${hexDump(ack.bytes)}

${describe(ack.d)}

Once the destination has the bytes, the relay's credit (the second acknowledgement) says its
buffer is free again and carries the destination's end-to-end point back to the source:

${hexDump(credit.bytes)}

${describe(credit.d)}
`;
}

function fmtBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(n % 2 ** 30 ? 2 : 0)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${n} B`;
}
