// The forwarding plane's register map, defined once. The CSR block (rtl-gen/regmap/csr.ts, a
// Wishbone slave: the bus of LiteX and its Etherbone), firmware/include/skywire_fp_regs.h,
// firmware/skywire_fp.rdl (SystemRDL) and docs/registers.md are printed from it; the host
// driver reads addresses and fields from it. Byte addresses; every register is 32 bits.
import { CMD_OPS } from '../route-table/geometry.ts';
import { SLOTS_PER_PEER } from '../key-slots.ts';
import { COUNTER_BANKS, COUNTER_BYTE_BITS, COUNTER_FRAME_BITS } from './counters.ts';
import { BEAT_BYTES, type FwdParams, FWD_DEFAULTS, fwdParams, log2 } from './params.ts';
import { FROM_BITS, ROUTE_KEY_BITS, ROUTE_VALUE_BITS } from './route-key.ts';
import { type GroupSpec, type RegisterMap, buildMap, field, mapDigest } from './regmap.ts';

/** "SKYW": what `id.magic` reads on every build. */
export const FP_MAGIC = 0x534b5957;
/** Raised in major for a change that moves or redefines a register, in minor for an addition. */
export const FP_MAP_VERSION = { major: 1, minor: 3 } as const;
/** Address space of the map (the CSR block decodes 13 bits of byte address). */
export const FP_MAP_BYTES = 0x2000;

/** Key operations of `key.key_cmd.op`. */
export const KEY_OPS = { install: 1, retire: 2 } as const;

function groups(p: FwdParams, buildId: number): GroupSpec[] {
  const slots = p.peers * SLOTS_PER_PEER;
  const routeSlots = p.routeEntries + p.routeStash;
  return [
    {
      name: 'id', offset: 0x0000, doc: 'What this device is: constants of the build.',
      regs: [
        { name: 'magic', access: 'ro', doc: 'Reads "SKYW" (0x534b5957) on every build: the device is a Skywire forwarding plane.', fields: [field('magic', 0, 32, 'magic number', { value: FP_MAGIC })] },
        { name: 'version', access: 'ro', doc: 'Version of this register map.', fields: [field('minor', 0, 16, 'additions', { value: FP_MAP_VERSION.minor }), field('major', 16, 16, 'incompatible changes', { value: FP_MAP_VERSION.major })] },
        { name: 'build_id', access: 'ro', doc: 'Digest of the register map and the build parameters: the driver refuses a device whose build ID differs from its own map.', fields: [field('build_id', 0, 32, 'FNV-1a digest', { value: buildId })] },
        { name: 'shape', access: 'ro', doc: 'Ports, peers and stream width.', fields: [field('ports', 0, 8, 'network ports', { value: p.ports }), field('peers', 8, 8, 'peers served', { value: p.peers }), field('beat_bytes', 16, 8, 'bytes per stream beat', { value: BEAT_BYTES })] },
        { name: 'route_entries', access: 'ro', doc: 'Route-table slots in the hashed ways (the stash adds `route_shape.stash`).', fields: [field('entries', 0, 32, 'slots in the ways', { value: p.routeEntries })] },
        { name: 'route_shape', access: 'ro', doc: 'Route-table geometry (spec/route-table/geometry.ts).', fields: [field('ways', 0, 4, 'ways (block RAMs)', { value: p.routeWays }), field('stash', 4, 4, 'stash slots', { value: p.routeStash }), field('key_bits', 8, 8, 'key bits (from peer, route ID)', { value: ROUTE_KEY_BITS }), field('value_bits', 16, 8, 'value bits', { value: ROUTE_VALUE_BITS })] },
        { name: 'rule_counters', access: 'ro', doc: 'Per-rule traffic counters.', fields: [field('count', 0, 32, 'counters in bank `rule`', { value: p.ruleCounters })] },
        { name: 'clock_khz', access: 'ro', doc: 'The clock the design was built for.', fields: [field('khz', 0, 32, 'kHz', { value: p.clockKhz })] },
        { name: 'scratch', access: 'rw', doc: 'Reads back what was written; for bus checks.', fields: [field('value', 0, 32, 'any value')] },
      ],
    },
    {
      name: 'ctrl', offset: 0x0040, doc: 'Switches, status and sticky errors of the whole plane.',
      regs: [
        { name: 'ctrl', access: 'rw', doc: 'Forwarding switch. Off after reset, so the host programs addresses, peers and keys before any frame is forwarded.', fields: [field('forward_enable', 0, 1, '1: open, look up, forward; 0: every frame goes to the host raw (reason passThrough)')] },
        { name: 'status', access: 'ro', doc: 'What the plane is busy with.', fields: [field('route_ready', 0, 1, 'the route table takes a command (its clear pass after reset is done and the last command was accepted)'), field('key_busy', 1, 1, 'a key command is under way'), field('counter_busy', 2, 1, 'a counter read is under way'), field('counters_ready', 3, 1, 'the counters finished their clear pass after reset (reads before it are dropped)')] },
        { name: 'errors', access: 'w1c', doc: 'Sticky errors; write 1 to clear.', fields: [field('route_overrun', 0, 1, 'a route command was written while the previous one was pending; it was dropped'), field('key_overrun', 1, 1, 'a key command was written while one was under way; it was dropped'), field('counter_overrun', 2, 1, 'a counter command was written while one was under way; it was dropped'), field('host_tx_bad', 3, 1, 'a frame from the host had a bad header or length and was dropped'), field('host_rx_dropped', 4, 1, 'a frame for the host found the mailbox full and was dropped'), field('counter_lost', 5, 1, 'a counter increment was lost (a bug: never expected)')] },
      ],
    },
    {
      name: 'key', offset: 0x0080, doc: 'Key installation. Stage a key and its generation, then write `key_cmd`: the install applies to exactly the frames accepted after it completes (the slot turns valid last), and a slot in use is never written (the host rotates by writing the idle slot of the generation parity, spec/key-slots.ts).',
      regs: [
        ...Array.from({ length: 8 }, (_, i) => ({ name: `key${i}`, access: 'wo' as const, doc: `Key word ${i}: key bytes ${4 * i}..${4 * i + 3} as a little-endian u32 (ChaCha state word ${4 + i}). Reads as zero.`, fields: [field('word', 0, 32, 'key word')] })),
        { name: 'key_generation', access: 'rw', doc: 'Generation of the staged key, as frames carry it.', fields: [field('generation', 0, 32, 'u32')] },
        { name: 'key_cmd', access: 'wo', kind: 'command', doc: 'Runs a key operation on a slot (slot = peer x 4 + (rx ? 2 : 0) + (generation & 1)). install: the staged key and generation go into the slot; an rx slot gets an empty replay window, a tx slot a counter of 0; the slot becomes valid last. retire: the slot becomes invalid and its key words zero.', fields: [field('slot', 0, 8, 'key slot'), field('op', 8, 2, 'operation', { values: { ...KEY_OPS } })] },
        { name: 'key_status', access: 'ro', doc: 'Key engine state.', fields: [field('busy', 0, 1, 'a key command is under way; the next one waits until this reads 0')] },
      ],
    },
    {
      name: 'route', offset: 0x00c0, doc: 'Route-table commands (docs/route-table.md): stage slot, key and value, then write `route_cmd`. The host table manager (host/table/manager.ts) chooses slots and orders commands so lookups stay consistent.',
      regs: [
        { name: 'route_slot', access: 'rw', doc: 'Slot of the command (way x depth + index, or entries + stash slot).', fields: [field('slot', 0, log2(routeSlots), 'slot')] },
        { name: 'route_key_lo', access: 'rw', doc: 'Key bits 31:0: the route ID.', fields: [field('route_id', 0, 32, 'route ID')] },
        { name: 'route_key_hi', access: 'rw', doc: 'Key bits 39:32: the peer the route\'s packets must arrive from.', fields: [field('from', 0, FROM_BITS, 'ingress peer')] },
        { name: 'route_value_lo', access: 'rw', doc: 'Value bits 31:0 (valid, local, qos, port, counter, low arg bits; spec/route-table/layout.ts).', fields: [field('value', 0, 32, 'value bits 31:0')] },
        { name: 'route_value_hi', access: 'rw', doc: 'Value bits 63:32.', fields: [field('value', 0, 32, 'value bits 63:32')] },
        { name: 'route_cmd', access: 'wo', kind: 'command', doc: 'Issues the staged command to the table.', fields: [field('op', 0, 2, 'operation', { values: { ...CMD_OPS } })] },
      ],
    },
    {
      name: 'counter', offset: 0x0100, doc: 'Counter reads. Write `counter_cmd`; when `counter_status.busy` reads 0, the three result registers hold the counter as it stood at one cycle, and with `clear` it restarted from zero at that very cycle, so no frame is counted twice or lost.',
      regs: [
        { name: 'counter_cmd', access: 'wo', kind: 'command', doc: 'Reads one counter.', fields: [field('index', 0, 16, 'counter index in its bank (spec/forwarding/counters.ts)'), field('bank', 16, 4, 'bank', { values: { ...COUNTER_BANKS } }), field('clear', 24, 1, '1: zero the counter in the same step')] },
        { name: 'counter_status', access: 'ro', doc: 'Counter reader state.', fields: [field('busy', 0, 1, 'a read is under way')] },
        { name: 'counter_frames', access: 'ro', doc: 'Frames of the last counter read.', fields: [field('frames', 0, COUNTER_FRAME_BITS, 'frames')] },
        { name: 'counter_bytes_lo', access: 'ro', doc: 'Bytes of the last counter read, bits 31:0.', fields: [field('bytes', 0, 32, 'bytes 31:0')] },
        { name: 'counter_bytes_hi', access: 'ro', doc: 'Bytes of the last counter read, high bits.', fields: [field('bytes', 0, COUNTER_BYTE_BITS - 32, `bytes ${COUNTER_BYTE_BITS - 1}:32`)] },
      ],
    },
    {
      name: 'host', offset: 0x0140, doc: 'The host-port mailbox (spec/forwarding/host-port.ts): frames with their 8-byte metadata header as 32-bit words, first byte in bits 31:24.',
      regs: [
        { name: 'host_rx_status', access: 'ro', doc: 'The frame waiting for the host.', fields: [field('avail', 0, 1, 'a frame is waiting'), field('length', 16, 16, 'its bytes, header included')] },
        { name: 'host_rx_data', access: 'ro', kind: 'pop', doc: 'Reading takes the next word of the waiting frame; after its last word the next frame is the waiting one.', fields: [field('data', 0, 32, 'frame word')] },
        { name: 'host_tx_data', access: 'wo', kind: 'command', doc: 'Appends a word to the frame being built.', fields: [field('data', 0, 32, 'frame word')] },
        { name: 'host_tx_commit', access: 'wo', kind: 'command', doc: 'Sends the frame built so far, its first `length` bytes (header included).', fields: [field('length', 0, 16, 'bytes')] },
        { name: 'host_tx_status', access: 'ro', doc: 'Room for the next frame.', fields: [field('free_words', 0, 16, 'words the transmit buffer can still take')] },
      ],
    },
    {
      name: 'port', offset: 0x0200, count: p.ports, stride: 0x20, doc: 'Per network port: the node\'s own address there.',
      regs: [
        { name: 'mac_hi', access: 'rw', doc: 'MAC address bytes 0-1 (bits 15:8 = byte 0, the first on the wire).', fields: [field('mac', 0, 16, 'MAC bytes 0-1')] },
        { name: 'mac_lo', access: 'rw', doc: 'MAC address bytes 2-5 (bits 31:24 = byte 2).', fields: [field('mac', 0, 32, 'MAC bytes 2-5')] },
        { name: 'ip', access: 'rw', doc: 'The node\'s IPv4 address on this port (bits 31:24 = first octet).', fields: [field('ip', 0, 32, 'IPv4 address')] },
        { name: 'udp_port', access: 'rw', doc: 'The node\'s UDP port: link datagrams arrive here and leave from it.', fields: [field('port', 0, 16, 'UDP port')] },
        { name: 'status', access: 'ro', doc: 'Port state.', fields: [field('link_up', 0, 1, 'the PHY reports a link')] },
      ],
    },
    {
      name: 'keyslot', offset: 0x0800, count: slots, stride: 0x8, doc: 'State of each key slot (slot = peer x 4 + (rx ? 2 : 0) + (generation & 1)).',
      regs: [
        { name: 'state', access: 'ro', doc: 'Slot state.', fields: [field('valid', 0, 1, 'the slot holds a key')] },
        { name: 'generation', access: 'ro', doc: 'Generation of the key in the slot.', fields: [field('generation', 0, 32, 'u32')] },
      ],
    },
    {
      name: 'peer', offset: 0x1000, count: p.peers, stride: 0x40, doc: 'Per peer: its session, keys in use, and the header template of frames sent to it. A peer is the link to one neighbour, identified on ingress by its UDP source address and port on its network port, as the node\'s UDP transport identifies it.',
      regs: [
        { name: 'ctrl', access: 'rw', doc: 'Session state and keys in use, as the host\'s link session publishes them (host/link/key-sink.ts).', fields: [
          field('session', 0, 1, 'the host has a session with the peer (0: its transport frames count noSession)'),
          field('up', 1, 1, 'the link is up: route packets may be forwarded to it'),
          field('pad32', 2, 1, 'pad inner messages to 32 bytes (0: to 16)'),
          field('tx_valid', 3, 1, 'a current transmit key exists'),
          field('tx_slot', 4, 1, 'generation parity of the current transmit key'),
          field('rx_valid', 5, 1, 'a current receive key exists'),
          field('rx_slot', 6, 1, 'generation parity of the current receive key (frames under the other go to the host, reason nextKey)'),
          field('enabled', 7, 1, 'the slot describes a neighbour: UDP from its address and port on its network port is its traffic (0: such frames go to the host, reason unknownSource)'),
          field('port', 8, 4, 'network port the peer is reached on'),
        ] },
        { name: 'local_id', access: 'rw', doc: 'Our session ID: the receiver field of frames the peer sends.', fields: [field('id', 0, 32, 'session ID')] },
        { name: 'remote_id', access: 'rw', doc: 'The peer\'s session ID: the receiver field of frames we send.', fields: [field('id', 0, 32, 'session ID')] },
        { name: 'mac_hi', access: 'rw', doc: 'Destination MAC bytes 0-1 (bits 15:8 = byte 0): the peer or the gateway toward it.', fields: [field('mac', 0, 16, 'MAC bytes 0-1')] },
        { name: 'mac_lo', access: 'rw', doc: 'Destination MAC bytes 2-5.', fields: [field('mac', 0, 32, 'MAC bytes 2-5')] },
        { name: 'ip', access: 'rw', doc: 'The peer\'s IPv4 address.', fields: [field('ip', 0, 32, 'IPv4 address')] },
        { name: 'udp_port', access: 'rw', doc: 'The peer\'s UDP port.', fields: [field('port', 0, 16, 'UDP port')] },
        { name: 'ip_opts', access: 'rw', doc: 'IPv4 header fields of frames sent to the peer.', fields: [field('ttl', 0, 8, 'time to live', { reset: 64 }), field('tos', 8, 8, 'type of service (DSCP and ECN)'), field('df', 16, 1, "don't fragment", { reset: 1 })] },
        { name: 'tx_counter_lo', access: 'ro', doc: 'Next transmit counter of the current key, bits 31:0; reading it latches the high bits.', latches: 'tx_counter_hi', fields: [field('counter', 0, 32, 'counter 31:0')] },
        { name: 'tx_counter_hi', access: 'ro', doc: 'Next transmit counter, bits 51:32, as latched by the last read of tx_counter_lo.', fields: [field('counter', 0, 20, 'counter 51:32')] },
      ],
    },
  ];
}

/** The map of a forwarding plane built with `params` (defaults: the committed design). */
export function fpRegisterMap(params: Partial<FwdParams> = FWD_DEFAULTS): RegisterMap {
  const p = fwdParams(params);
  const spec = (buildId: number) => ({
    name: 'skywire_fp',
    doc: `Skywire forwarding plane: ${p.ports} network ports, ${p.peers} peers, ${p.routeEntries} + ${p.routeStash} route slots.`,
    version: FP_MAP_VERSION,
    bytes: FP_MAP_BYTES,
    groups: groups(p, buildId),
  });
  // The build ID digests the map with the ID field itself at zero, and the parameters.
  const buildId = mapDigest(buildMap(spec(0)), JSON.stringify(p));
  return buildMap(spec(buildId));
}
