// The route control plane section of docs/protocol.md, generated from host/mesh: field tables
// from the codecs' size constants, timers from the named constants, and example messages
// captured from a three-node simulated mesh with fixed seeds (so every byte is reproducible).
import * as MeshLimits from '../../host/mesh/constants.ts';
import { PUBLIC_KEY_BYTES } from '../../spec/link-wire.ts';
import * as RouteWire from '../../spec/route-wire.ts';
import * as CC from '../../host/mesh/congestion.ts';
import { PATH_ENTRY_BYTES, QUERY_ID_BYTES } from '../../host/mesh/control.ts';
import { decodeDatagramFrames, type Frame } from '../../host/mesh/framing.ts';
import { CREATE_BLOB_BYTES, CREATE_REQUEST_BYTES, CREATED_REPLY_BYTES, MESH_LABEL } from '../../host/mesh/hop-crypto.ts';
import { DATA_HEADER_BYTES } from '../../host/mesh/route-packet.ts';
import { SimMesh } from '../../testbed/sim-mesh.ts';
import { MAX_SEGMENT_BYTES } from '../../host/mesh/stream.ts';
import { hexDump, layout } from './saf.ts';

/** The route layer's wire format with the mesh's timers and limits, as the tables below list them together. */
const M = { ...RouteWire, ...MeshLimits, PUBLIC_KEY_BYTES };

const name = (table: Record<string, number>, v: number) => Object.keys(table).find((k) => table[k] === v) ?? '?';

/**
 * Runs setup of a two-hop route a -> b -> c and returns the frames of interest, as sent. The
 * setup runs on timers and messages only, so driving the virtual clock by hand is enough.
 */
function capture(): { create: Uint8Array; created: Uint8Array; extend: Uint8Array; hello: Uint8Array } {
  const sim = new SimMesh('docs/protocol.md mesh');
  for (const n of ['a', 'b', 'c']) sim.addNode(n);
  const sent: Array<{ from: string; to: string; frame: Frame; raw: Uint8Array }> = [];
  sim.observers.push((e) => {
    if (!e.delivered) return;
    for (const f of decodeDatagramFrames(e.bytes).frames) sent.push({ from: e.from, to: e.to, frame: f, raw: e.bytes });
  });
  sim.link('a', 'b', { latencyMs: 5 });
  sim.link('b', 'c', { latencyMs: 5 });
  sim.clock.runUntil(20);
  const hops = ['b', 'c'].map((n) => ({ publicKey: sim.node(n).publicKey, address: sim.node(n).address }));
  sim.node('a').addRoute({ firstNeighbour: sim.neighbourId('a', 'b'), hops }).catch(() => undefined);
  sim.clock.runUntil(200);
  if (sim.node('a').routes()[0]?.state !== 'up') throw new Error('the example route did not come up');
  sim.close();
  const find = (from: string, channel: number, type?: number) => sent.find((s) => s.from === from && s.frame.channel === channel && (type === undefined || s.frame.payload[0] === type))!.raw;
  return {
    hello: find('a', M.CONTROL_CHANNEL, M.ControlMsg.Hello),
    create: find('a', M.CONTROL_CHANNEL, M.ControlMsg.Create),
    created: find('b', M.CONTROL_CHANNEL, M.ControlMsg.Created),
    extend: find('a', M.ROUTE_CHANNEL),
  };
}

export function meshProtocolSection(): string {
  const ex = capture();
  const ctl = Object.entries(M.ControlMsg)
    .map(([k, v]) => `| ${v} | ${k} |`)
    .join('\n');
  const inner = Object.entries(M.RouteMsg)
    .map(([k, v]) => `| ${v} | ${k} |`)
    .join('\n');
  const refuse = Object.entries(M.RefuseReason)
    .map(([k, v]) => `${v} = ${k}`)
    .join(', ');
  const limits: Array<[string, string | number, string]> = [
    ['SETUP_RTO (initial)', M.SETUP_RTO.initialMs, 'first setup timeout before any RTT is known; later steps use 2 × the last step\'s RTT extrapolated by one hop'],
    ['DEFAULT_SETUP_RETRIES / SETUP_BACKOFF', `${M.DEFAULT_SETUP_RETRIES} / ×${M.SETUP_BACKOFF}`, 'retransmissions of one setup step, each timeout this much longer'],
    ['SETUP_RTO (min / max)', `${M.SETUP_RTO.minMs} / ${M.SETUP_RTO.maxMs}`, 'bounds of every setup timeout'],
    ['DEFAULT_RULE_IDLE_MS', M.DEFAULT_RULE_IDLE_MS, 'a rule unused this long is removed (idle expiry)'],
    ['DEFAULT_KEEPALIVE_MS', M.DEFAULT_KEEPALIVE_MS, 'the source pings an idle route this often'],
    ['PING_ATTEMPTS', M.PING_ATTEMPTS, 'a ping (and the keepalive) is repeated, spread over its timeout, until a Pong answers'],
    ['DEFAULT_ROUTE_FAIL_MS', M.DEFAULT_ROUTE_FAIL_MS, 'no answer from the destination this long while one is awaited: the route failed, repair starts'],
    ['DEFAULT_MAX_ROUTES_PER_PEER', M.DEFAULT_MAX_ROUTES_PER_PEER, 'routes one neighbour may hold through a node'],
    ['DEFAULT_SETUP_RATE_PER_PEER / BURST', `${M.DEFAULT_SETUP_RATE_PER_PEER}/s / ${M.DEFAULT_SETUP_BURST_PER_PEER}`, 'Create messages accepted from one neighbour (token bucket)'],
    ['PROBE_INTERVAL_MS', M.PROBE_INTERVAL_MS, 'link round-trip probes (discovery reports the latencies)'],
    ['DEFAULT_DISCOVERY_HOPS / TIMEOUT', `${M.DEFAULT_DISCOVERY_HOPS} / ${M.DEFAULT_DISCOVERY_TIMEOUT_MS} ms`, 'breadth-first search depth and duration'],
    ['DISCOVERY_FORWARDS_PER_NODE', M.DISCOVERY_FORWARDS_PER_NODE, 'a node passes one query on at most this many times'],
    ['DEFAULT_QUERY_RATE_PER_PEER / BURST', `${M.DEFAULT_QUERY_RATE_PER_PEER}/s / ${M.DEFAULT_QUERY_BURST_PER_PEER}`, 'discovery queries accepted from one neighbour (token bucket); passed on within a fair share per upstream'],
    ['DISCOVERY_MEMORY_MS / DISCOVERY_SEEN_MAX', `${M.DISCOVERY_MEMORY_MS} / ${M.DISCOVERY_SEEN_MAX}`, 'how long and how many query IDs a node remembers'],
    ['DEFAULT_SEND_BUFFER_BYTES', M.DEFAULT_SEND_BUFFER_BYTES, 'stream bytes written and not yet acknowledged (memory, not speed)'],
    ['DEFAULT_ROUTE_WINDOW_BYTES', M.DEFAULT_ROUTE_WINDOW_BYTES, 'most a route\'s congestion window grows to (bytes in flight per route)'],
    ['INITIAL / MIN_WINDOW_SEGMENTS', `${CC.INITIAL_WINDOW_SEGMENTS} / ${CC.MIN_WINDOW_SEGMENTS}`, 'congestion window at the start and its floor, segments'],
    ['RANDOM_LOSS_BETA / CONGESTION_BETA', `${CC.RANDOM_LOSS_BETA} / ${CC.CONGESTION_BETA}`, `window after a loss with the RTT near its minimum (random loss) / grown by over ${CC.QUEUE_DELAY_FRACTION * 100} % and ${CC.QUEUE_DELAY_FLOOR_MS} ms (congestion); once per window`],
    ['STREAM_RTO (min / initial / max)', `${CC.STREAM_RTO.minMs} / ${CC.STREAM_RTO.initialMs} / ${CC.STREAM_RTO.maxMs}`, 'stream RTO (srtt + 4 rttvar, RFC 6298) floor, before a sample, and cap of its doubling backoff'],
    ['ACK_EVERY_PACKETS / ACK_DELAY_MS', `${M.ACK_EVERY_PACKETS} / ${M.ACK_DELAY_MS}`, 'stream acks coalesced: one per this many data packets, else after the delay; at once for the end and a filled gap'],
  ];
  return `
## Route control plane (host/mesh)

Routes are built by their source, one hop at a time, and forwarded by route ID alone. Every
message on a connection between two nodes is framed, as the overview says, with a 32-bit
length and a 16-bit channel; on a UDP link one framed message travels in one link \`Data\`
frame (at most ${M.MESH_MTU_BYTES} bytes), on TCP the frames follow each other in the byte stream.

### Channel frame

${layout([
  { name: 'length', size: 4, meaning: `u32 payload bytes (header excluded); above ${M.MAX_MESSAGE_BYTES} the connection is corrupt` },
  { name: 'channel', size: 2, meaning: `u16: ${M.CONTROL_CHANNEL} = daemon control, ${M.ROUTE_CHANNEL} = route packets, ${M.FIRST_SERVICE_CHANNEL}…${M.MAX_CHANNEL} = services` },
  { name: 'payload', size: 'length', meaning: 'one message of the channel\'s service' },
])}

A service is bound to a channel with one codec and one handler. Messages on a channel with
no service, messages the codec rejects, and handlers that throw are counted
(\`unknownChannel\`, \`malformed\`, \`handlerErrors\`) and dropped.

### Channel 0: control messages

The first byte is the type:

| Type | Message |
|---:|---|
${ctl}

${layout([
  { name: 'Hello', size: 1 + M.PUBLIC_KEY_BYTES, meaning: 'type, the node\'s public key; then u8 count and that many service names (u8 length, ASCII, at most 32)' },
])}

${layout([
  { name: 'type', size: 1, meaning: `${M.ControlMsg.Create} = Create` },
  { name: 'setup', size: M.SETUP_ID_BYTES, meaning: 'random setup ID (a retransmitted Create carries the same one and gets the same answer)' },
  { name: 'back route', size: M.ROUTE_ID_BYTES, meaning: 'the sender\'s route ID for packets coming back (nonzero)' },
  { name: 'blob length', size: 2, meaning: `${CREATE_BLOB_BYTES}` },
  { name: 'blob', size: CREATE_BLOB_BYTES, meaning: `E (ephemeral key of the source, ${M.PUBLIC_KEY_BYTES} B) ‖ AEAD(k_req, nonce 0, version u8 ‖ qos u8) (${CREATE_REQUEST_BYTES} B + tag)` },
])}

${layout([
  { name: 'type', size: 1, meaning: `${M.ControlMsg.Created} = Created` },
  { name: 'setup', size: M.SETUP_ID_BYTES, meaning: 'the Create\'s setup ID' },
  { name: 'forward route', size: M.ROUTE_ID_BYTES, meaning: 'the new hop\'s incoming route ID, chosen by it at random' },
  { name: 'reply length', size: 2, meaning: `${CREATED_REPLY_BYTES}` },
  { name: 'reply', size: CREATED_REPLY_BYTES, meaning: 'F (the hop\'s ephemeral key) ‖ AEAD(confirm, nonce 0, "ok"), for the source' },
])}

HelloAck is the type byte alone. A node answers every Hello with it and repeats its own Hello
(after ${M.HELLO_RETRY_MS} ms, each repeat waiting twice as long, up to ${M.HELLO_MAX_RETRY_MS} ms) until a HelloAck
arrives: a Hello that reaches a neighbour before its transport registered the link is lost.

CreateRefused is type, setup ID and a reason byte (${refuse}). Teardown and TeardownAck are type
and a route ID (the receiver's incoming ID, accepted only from the neighbour the rule expects).
DiscoverQuery is type, query ID (${QUERY_ID_BYTES} B), TTL u8, target (u8 kind: 1 service name,
2 public key, 3 address; then the name, key or address) and the path so far; DiscoverReply is
type, query ID and the whole path. A path is a u8 count of entries of ${PATH_ENTRY_BYTES} bytes:
the node's public key, the latency of the link the query came in on (u32 µs, half its measured
RTT) and its capacity (f64 bytes/s, 0 = unknown). Probe and ProbeReply are type, u32 nonce and
the sender's f64 send time.

### Channel 1: route packets

${layout([
  { name: 'route', size: M.ROUTE_ID_BYTES, meaning: 'route ID at the receiving node: the only field a relay reads' },
  { name: 'counter', size: 8, meaning: 'u64 nonce counter (the AEAD nonce is 4 zero bytes ‖ counter, little-endian as in link frames)' },
  { name: 'sealed', size: 'rest', meaning: 'ChaCha20-Poly1305 of the end-to-end message under the key of this direction of (source, hop); no AAD, because the route ID changes at every hop' },
])}

A relay looks the route ID up in its forwarding table and either rewrites it and sends the
packet on to the rule's port, or hands it to the route end here (rule "deliver locally to
channel ${M.ROUTE_CHANNEL}"). The same layout is the FPGA's: route ID in → (port, next route ID) or
(local channel), as in docs/route-table.md. End-to-end messages (first plaintext byte):

| Type | Message |
|---:|---|
${inner}

Data is type, stream ID (${M.STREAM_ID_BYTES} B), offset u48, flags u8 (bit 0: end of stream) and
the bytes (${DATA_HEADER_BYTES} B of header; at most ${MAX_SEGMENT_BYTES} bytes per packet). Ack
is type, stream ID, cumulative offset u48, flags u8 (bit 0: end of stream received; bit 1:
data the receiver already had arrived since its last ack, so a resend was needless and the
sender allows its route more reordering), u8 count and up to ${M.MAX_SACK_RANGES} received
ranges (start u48, end u48) above the cumulative point. Open is type, stream ID, channel u16 and
flags u8 (bit 0, rejoin: the stream was carried before, on a route that failed); OpenOk is type
and stream ID. Reset is type, stream ID and a reason byte (${Object.entries(M.ResetReason).map(([k, v]) => `${v} = ${k}`).join(', ')}):
a destination answers a rejoining Open for a stream it does not know (it restarted) with
UnknownStream instead of starting a new stream that would wait for bytes the source no longer
has, an Open on a channel nobody listens on with NoListener, and an end that aborts a stream
before both directions finished tells the other with Aborted, so neither waits for its timers.
Datagram is type, channel u16 (the service at the other end) and one message of at most
${M.MAX_DATAGRAM_BYTES} bytes, from either end of the route: not acknowledged, not ordered, not resent
(the IP tunnel's packets travel so).

### Building a route

Source S, path B, C, … (public keys from discovery):

1. S sends **Create** to B (channel 0), with its own fresh back route ID. B opens the blob
   with its static key: \`k_req = HKDF(ECDH(E, S_B), salt = E ‖ S_B, "${new TextDecoder().decode(MESH_LABEL.createRequest)}")\`.
   B draws an ephemeral F, derives
   \`fwd ‖ bwd ‖ confirm = HKDF(ECDH(E, S_B) ‖ ECDH(E, F), salt = E ‖ F ‖ S_B, "${new TextDecoder().decode(MESH_LABEL.routeKeys)}")\`,
   installs "route b_f from S → deliver here", and answers **Created**. S derives the same keys;
   the reply authenticates only if B holds the secret of S_B, so every hop, and the destination
   last of all, proves itself by its public key.
2. To add C, S sends **Extend**(setup, C's key, blob for C) on the route, sealed to B (B is the
   tail, so its rule delivers locally). B sends its own Create (new setup ID, new back route ID)
   to the neighbour with that key, installs "back route from C → S" when C answers, and returns
   C's reply to S in **Extended**. S answers with **ExtendAck**, and B rewrites its rule to
   "b_f → (C, c_f)": B is a relay now and forwards by route ID alone. If ExtendAck is lost, the
   first packet for C that B cannot open does the same.
3. And so on: a route of h hops is up after h round trips (one per hop, each one link longer).

Every message of a setup step is retransmitted until answered; a repeated Create or Extend
gets the cached answer. B never learns whether its predecessor is the source (a source's
Create and a relay's look alike; every ephemeral is fresh), and C never learns whether its
successor is the destination. Data and acknowledgements travel sealed between source and
destination only.

What a neighbour may cost a node is bounded: Create messages and
discovery queries are rate-limited per neighbour (token buckets), routes per neighbour are
capped, and a relay passes Extends (as its own Creates) and queries on to each next hop only
within a fair share per upstream neighbour (this node counting as one), so the next hop's
limits for the relay are never used up by one upstream: per upstream and next hop a token
bucket of rate / shares and burst / shares, and for routes held an equal share guaranteed to
each upstream, the rest lent to whoever needs it while every other upstream's unused share
stays free (ExtendFailed with RouteLimit or RateLimit otherwise). Remembered query IDs expire
oldest first (constant time per query) and at most ${M.DISCOVERY_SEEN_MAX} are kept.

Keepalive: the source pings an idle route; every rule remembers when a packet last matched
and is removed after the idle time. Teardown goes hop by hop on channel 0, acknowledged; a
relay that loses a link tears its routes down both ways. The source declares a route failed
when the destination stays silent for \`routeFailMs\` while an answer is due, and moves its
streams to their other routes and to a new one found by discovery; stream bytes stay in the
source's send buffer until the destination acknowledges them, so none are lost.

### Limits and timers

| Name | Value | Note |
|---|---:|---|
${limits.map(([a, b, c]) => `| \`${a}\` | ${b} | ${c} |`).join('\n')}

### Worked example

A three-node chain a - b - c with fixed seeds (scripts/docs/mesh.ts). a's Hello to b
(channel ${M.CONTROL_CHANNEL}, type ${M.ControlMsg.Hello}: a's key, no services):

${hexDump(ex.hello)}

a's Create to b (type ${name(M.ControlMsg, ex.create[6])}):

${hexDump(ex.create)}

b's Created:

${hexDump(ex.created)}

a's first route packet, the Extend for c, sealed to b (channel ${M.ROUTE_CHANNEL}; b's route ID first):

${hexDump(ex.extend)}
`;
}
