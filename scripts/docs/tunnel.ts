// The IP tunnel's section of docs/protocol.md, generated from host/tunnel: message layouts
// from the codec's sizes, timers and limits from their named constants, and example messages
// encoded by the codec from fixed keys.
import { identityFromSecretKey, signDigest } from '../../host/identity/identity.ts';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../../spec/link-wire.ts';
import { DATAGRAM_HEADER_BYTES, MAX_DATAGRAM_BYTES, RouteMsg } from '../../spec/route-wire.ts';
import { FAILED_RELAY_MEMORY_MS, JOIN_RETRY_MS, JOIN_TRIES, MAINTAIN_MS } from '../../host/tunnel/client.ts';
import { SESSION_IDLE_MS } from '../../host/tunnel/gateway.ts';
import { internetChecksum, parseIpv4 } from '../../host/tunnel/ipv4.ts';
import { CAPACITY_MEMORY_MS, METER_WINDOW_MS } from '../../host/tunnel/meter.ts';
import { DEFAULT_CAPACITY, REBALANCE_MS, REPORT_MS, STALE_MS } from '../../host/tunnel/routes.ts';
import { FLOW_ACTIVE_MS, FLOW_FORGET_MS, FLOW_MOVE_HOLD_MS, FLOW_YOUNG_MS, LIGHT_FLOW_FRACTION, MOVE_GAIN } from '../../host/tunnel/scheduler.ts';
import * as W from '../../host/tunnel/wire.ts';
import { hexDump, layout } from './saf.ts';

export function tunnelProtocolSection(): string {
  const client = identityFromSecretKey(Uint8Array.from({ length: 32 }, (_, i) => i + 1));
  const gateway = identityFromSecretKey(Uint8Array.from({ length: 32 }, (_, i) => 64 - i));
  const nonce = Uint8Array.from({ length: W.NONCE_BYTES }, (_, i) => (i * 7) & 0xff);
  const session = Uint8Array.from({ length: W.SESSION_BYTES }, (_, i) => 0xa0 + i);
  const auth = W.encodeTunnel({ type: W.TunnelMsg.Auth, clientKey: client.publicKey, session, capacityKBps: 500, signature: signDigest(client, W.authDigest(gateway.publicKey, nonce, client.publicKey, session)) });
  const welcome = W.encodeTunnel({ type: W.TunnelMsg.Welcome, session, address: parseIpv4('10.99.0.2')!, prefixLength: 32, gateway: parseIpv4('10.99.0.1')!, dns: parseIpv4('10.99.0.1')!, mtu: W.TUNNEL_MTU });
  const ip = Uint8Array.from([0x45, 0, 0, 28, 0x12, 0x34, 0x40, 0, 64, 17, 0, 0, 10, 99, 0, 2, 203, 0, 113, 53, 0x9c, 0x40, 0, 53, 0, 8, 0, 0]);
  const sum = internetChecksum(ip, 0, 20);
  ip[10] = sum >> 8;
  ip[11] = sum & 0xff;
  const packet = W.encodeTunnel({ type: W.TunnelMsg.Packet, seq: 41, packet: ip });
  const refuse = Object.entries(W.RefuseCode)
    .map(([k, v]) => `${v} = ${k}`)
    .join(', ');
  const limits: Array<[string, string | number, string]> = [
    ['TUNNEL_CHANNEL', W.TUNNEL_CHANNEL, 'datagram channel of the tunnel at both ends of a route'],
    ['TUNNEL_MTU', W.TUNNEL_MTU, `largest inner packet: a Packet fills one route datagram (${MAX_DATAGRAM_BYTES} B); the TUN devices' MTU`],
    ['JOIN_RETRY_MS / JOIN_TRIES', `${JOIN_RETRY_MS} / ${JOIN_TRIES}`, 'a join step (Hello, Auth) is repeated until answered, then the route is given up'],
    ['REPORT_MS', REPORT_MS, 'each end reports on each route this often (it is also the keepalive)'],
    ['STALE_MS', STALE_MS, 'a route heard from not at all this long takes no new packets until heard again'],
    ['METER_WINDOW_MS / CAPACITY_MEMORY_MS', `${METER_WINDOW_MS} / ${CAPACITY_MEMORY_MS}`, "rates and loss are measured over this window; a route's capacity is the best delivered rate this long back (at least discovery's)"],
    ['DEFAULT_CAPACITY', `${DEFAULT_CAPACITY} B/s`, 'capacity of a route nothing is known about (and of none of its siblings)'],
    ['REBALANCE_MS / MOVE_GAIN / FLOW_MOVE_HOLD_MS', `${REBALANCE_MS} / ×${MOVE_GAIN} / ${FLOW_MOVE_HOLD_MS}`, "at most one flow moves per period, when its share elsewhere beats its share here by this factor, and that flow not again for the hold time"],
    ['FLOW_ACTIVE_MS / FLOW_YOUNG_MS / LIGHT_FLOW_FRACTION', `${FLOW_ACTIVE_MS} / ${FLOW_YOUNG_MS} / ${LIGHT_FLOW_FRACTION}`, "a flow counts toward a route's load while it sent within the first time; a new flow counts as bulk for the second; one below this fraction of the route's capacity is light and does not count"],
    ['FLOW_FORGET_MS', FLOW_FORGET_MS, 'a silent flow is forgotten'],
    ['MAINTAIN_MS / FAILED_RELAY_MEMORY_MS', `${MAINTAIN_MS} / ${FAILED_RELAY_MEMORY_MS}`, "the client looks for missing routes this often, avoiding a failed route's relays this long"],
    ['SESSION_IDLE_MS', SESSION_IDLE_MS, "the gateway forgets a session with no route this long after (its address stays the key's)"],
  ];
  return `
## IP tunnel (host/tunnel)

A client node carries its machine's IPv4 packets to a gateway node over several routes at once;
the gateway sends them on to the clearnet with NAT and returns the replies. Every tunnel message
is one route **Datagram** (end-to-end type ${RouteMsg.Datagram}, channel ${W.TUNNEL_CHANNEL}): sealed end to end, never inside a stream,
so one lost packet holds up nothing but itself and TCP inside sees loss as a router's. The first
byte is the message type; integers are big-endian.

| Type | Message | Direction | Body |
|---:|---|---|---|
| ${W.TunnelMsg.Hello} | Hello | client → gateway | nothing |
| ${W.TunnelMsg.Challenge} | Challenge | gateway → client | nonce (${W.NONCE_BYTES} B, fresh per route) |
| ${W.TunnelMsg.Auth} | Auth | client → gateway | client key (${PUBLIC_KEY_BYTES} B), session (${W.SESSION_BYTES} B), capacity u32 (kB/s from discovery, 0 unknown), signature (${SIGNATURE_BYTES} B) |
| ${W.TunnelMsg.Welcome} | Welcome | gateway → client | session, client address u32, prefix length u8, gateway address u32, DNS server u32, MTU u16 |
| ${W.TunnelMsg.Refuse} | Refuse | gateway → client | reason u8: ${refuse} |
| ${W.TunnelMsg.Packet} | Packet | both | seq u32 (per route and direction), one IPv4 packet (${W.PACKET_HEADER_BYTES} B of header) |
| ${W.TunnelMsg.Report} | Report | both | received u32, bytes u48, highest seq + 1 u32, sent at f64, echo f64, held f64 |
| ${W.TunnelMsg.Bye} | Bye | client → gateway | session |

A route joins the tunnel by Hello, Challenge, Auth, Welcome. The client signs, with its node key
(ECDSA over secp256k1, as the link handshake), \`SHA-256("${'skywire-tunnel/1 auth'}" ‖ gateway key ‖ nonce ‖ client key ‖ session)\`.
The nonce is the gateway's for that route only, and reached the client sealed end to end, so a
signature proves the key holder built this route and is worth nothing on another. The gateway
checks the key against its allow-list (or is open), gives the key an address from its pool (the
same one while it runs; a new session of the same key replaces the old), and answers Welcome.
All routes of one session share the address.

**Packets.** The gateway writes a client's packet to its kernel only if it is sound IPv4 (version,
header length ≥ 20, total length = the packet's length, header checksum) and its source is the
client's address; otherwise it drops it and counts the reason (\`gateway status\`). Each end
sends each flow (protocol, addresses, ports; the ICMP identifier) on one route, chosen by
capacity: a new flow where it would get the largest share (capacity / (bulk flows + 1)); a
route that fails or is silent for ${STALE_MS} ms loses its flows at once.

**Reports** tell the other end what arrived of its packets on the route: with per-route sequence
numbers, loss is counted exactly (1 − received / span of sequence numbers per window), the
delivered rate is the route's measured capacity, and the echoed send time (minus the time it was
held) gives the round trip.

### Auth (fixed test keys)

${hexDump(auth)}

### Welcome

${hexDump(welcome)}

### Packet (seq 41, a 28-byte UDP packet from 10.99.0.2 to 203.0.113.53:53)

${hexDump(packet)}

Inside a route packet the tunnel message follows the Datagram header (${DATAGRAM_HEADER_BYTES} B: type, channel).

### Timers and limits

| Name | Value | Note |
|---|---:|---|
${limits.map(([n, v, note]) => `| \`${n}\` | ${v} | ${note} |`).join('\n')}
`;
}

