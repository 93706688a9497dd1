// Channel 0, daemon to daemon: one tagged union and its one codec. Hello announces a node's
// key and services (repeated until a HelloAck answers it); Create/Created/CreateRefused add one hop to a route; Teardown removes
// one; DiscoverQuery/DiscoverReply are the bounded breadth-first search; Probe measures a
// link's round trip, and its reply carries the loss the replier measured on frames from the
// prober (what route setup chooses store-and-forward hops by). Layouts are in docs/protocol.md.
import { decodeWith, Writer } from '../../spec/bytes.ts';
import { PUBLIC_KEY_BYTES } from '../../spec/link-wire.ts';
import { ControlMsg, MAX_ROUTE_HOPS, MAX_SERVICE_NAME_BYTES, MAX_SERVICES_PER_NODE, SETUP_ID_BYTES } from '../../spec/route-wire.ts';

/** One node on a discovered path, as the node itself appended it. */
export interface PathEntry {
  publicKey: Uint8Array;
  /** One-way latency of the link the query arrived on, microseconds (half its RTT). */
  latencyUs: number;
  /** Capacity of that link, bytes/s; 0 = unknown. */
  capacity: number;
}

export type DiscoverTargetWire = { kind: 'service'; name: string } | { kind: 'key'; publicKey: Uint8Array } | { kind: 'address'; address: string };

export type Control =
  | { type: typeof ControlMsg.Hello; publicKey: Uint8Array; services: string[] }
  | { type: typeof ControlMsg.HelloAck }
  | { type: typeof ControlMsg.Create; setupId: Uint8Array; backRoute: number; blob: Uint8Array }
  | { type: typeof ControlMsg.Created; setupId: Uint8Array; forwardRoute: number; reply: Uint8Array }
  | { type: typeof ControlMsg.CreateRefused; setupId: Uint8Array; reason: number }
  | { type: typeof ControlMsg.Teardown; routeId: number }
  | { type: typeof ControlMsg.TeardownAck; routeId: number }
  | { type: typeof ControlMsg.DiscoverQuery; queryId: Uint8Array; ttl: number; target: DiscoverTargetWire; path: PathEntry[] }
  | { type: typeof ControlMsg.DiscoverReply; queryId: Uint8Array; path: PathEntry[] }
  | { type: typeof ControlMsg.Probe; nonce: number; sentAt: number }
  /** `loss`: fraction of the prober's frames that did not reach the replier lately (undefined: not measured). */
  | { type: typeof ControlMsg.ProbeReply; nonce: number; sentAt: number; loss: number | undefined };

/** ProbeReply's loss field: u16 in units of 1/LOSS_SCALE; LOSS_UNKNOWN when not measured. */
export const LOSS_SCALE = 10_000;
export const LOSS_UNKNOWN = 0xffff;

/** Discovery query IDs: 64 random bits. */
export const QUERY_ID_BYTES = 8;
/** PathEntry on the wire: key | latency u32 (µs) | capacity f64 (bytes/s). */
export const PATH_ENTRY_BYTES = PUBLIC_KEY_BYTES + 4 + 8;
/** Longest blob a Create carries (ephemeral key and the sealed request, with room to grow). */
export const MAX_BLOB_BYTES = 256;

const TARGET_SERVICE = 1;
const TARGET_KEY = 2;
const TARGET_ADDRESS = 3;

function writePath(w: Writer, path: PathEntry[]): void {
  w.u8(path.length);
  for (const e of path) w.bytes(e.publicKey).u32(Math.min(0xffffffff, Math.round(e.latencyUs))).f64(e.capacity);
}

export function encodeControl(m: Control): Uint8Array {
  const w = new Writer().u8(m.type);
  switch (m.type) {
    case ControlMsg.Hello:
      w.bytes(m.publicKey).u8(m.services.length);
      for (const s of m.services) w.shortString(s);
      break;
    case ControlMsg.HelloAck:
      break;
    case ControlMsg.Create:
      w.bytes(m.setupId).u32(m.backRoute).u16(m.blob.length).bytes(m.blob);
      break;
    case ControlMsg.Created:
      w.bytes(m.setupId).u32(m.forwardRoute).u16(m.reply.length).bytes(m.reply);
      break;
    case ControlMsg.CreateRefused:
      w.bytes(m.setupId).u8(m.reason);
      break;
    case ControlMsg.Teardown:
    case ControlMsg.TeardownAck:
      w.u32(m.routeId);
      break;
    case ControlMsg.DiscoverQuery:
      w.bytes(m.queryId).u8(m.ttl);
      if (m.target.kind === 'service') w.u8(TARGET_SERVICE).shortString(m.target.name);
      else if (m.target.kind === 'key') w.u8(TARGET_KEY).bytes(m.target.publicKey);
      else w.u8(TARGET_ADDRESS).shortString(m.target.address);
      writePath(w, m.path);
      break;
    case ControlMsg.DiscoverReply:
      w.bytes(m.queryId);
      writePath(w, m.path);
      break;
    case ControlMsg.Probe:
      w.u32(m.nonce).f64(m.sentAt);
      break;
    case ControlMsg.ProbeReply:
      w.u32(m.nonce).f64(m.sentAt).u16(m.loss === undefined ? LOSS_UNKNOWN : Math.round(Math.min(1, Math.max(0, m.loss)) * LOSS_SCALE));
      break;
  }
  return w.finish();
}

export function decodeControl(b: Uint8Array): Control | undefined {
  return decodeWith(b, (r): Control => {
    const type = r.u8();
    const readPath = (): PathEntry[] => {
      const n = r.u8();
      if (n > MAX_ROUTE_HOPS * 2) r.fail();
      const path: PathEntry[] = [];
      for (let i = 0; i < n; i++) {
        const publicKey = r.bytes(PUBLIC_KEY_BYTES).slice();
        const latencyUs = r.u32();
        const capacity = r.f64();
        if (!(capacity >= 0)) r.fail(); // NaN or negative
        path.push({ publicKey, latencyUs, capacity });
      }
      return path;
    };
    let m: Control;
    switch (type) {
      case ControlMsg.Hello: {
        const publicKey = r.bytes(PUBLIC_KEY_BYTES).slice();
        const n = r.u8();
        if (n > MAX_SERVICES_PER_NODE) r.fail();
        const services: string[] = [];
        for (let i = 0; i < n; i++) services.push(r.shortString(MAX_SERVICE_NAME_BYTES));
        m = { type: ControlMsg.Hello, publicKey, services };
        break;
      }
      case ControlMsg.HelloAck:
        m = { type: ControlMsg.HelloAck };
        break;
      case ControlMsg.Create: {
        const setupId = r.bytes(SETUP_ID_BYTES).slice();
        const backRoute = r.u32();
        const n = r.u16();
        if (n > MAX_BLOB_BYTES || backRoute === 0) r.fail();
        m = { type: ControlMsg.Create, setupId, backRoute, blob: r.bytes(n).slice() };
        break;
      }
      case ControlMsg.Created: {
        const setupId = r.bytes(SETUP_ID_BYTES).slice();
        const forwardRoute = r.u32();
        const n = r.u16();
        if (n > MAX_BLOB_BYTES || forwardRoute === 0) r.fail();
        m = { type: ControlMsg.Created, setupId, forwardRoute, reply: r.bytes(n).slice() };
        break;
      }
      case ControlMsg.CreateRefused:
        m = { type: ControlMsg.CreateRefused, setupId: r.bytes(SETUP_ID_BYTES).slice(), reason: r.u8() };
        break;
      case ControlMsg.Teardown:
      case ControlMsg.TeardownAck:
        m = { type, routeId: r.u32() } as Control;
        break;
      case ControlMsg.DiscoverQuery: {
        const queryId = r.bytes(QUERY_ID_BYTES).slice();
        const ttl = r.u8();
        const kind = r.u8();
        let target: DiscoverTargetWire;
        if (kind === TARGET_SERVICE) target = { kind: 'service', name: r.shortString(MAX_SERVICE_NAME_BYTES) };
        else if (kind === TARGET_KEY) target = { kind: 'key', publicKey: r.bytes(PUBLIC_KEY_BYTES).slice() };
        else if (kind === TARGET_ADDRESS) target = { kind: 'address', address: r.shortString(64) };
        else return r.fail();
        m = { type: ControlMsg.DiscoverQuery, queryId, ttl, target, path: readPath() };
        break;
      }
      case ControlMsg.DiscoverReply:
        m = { type: ControlMsg.DiscoverReply, queryId: r.bytes(QUERY_ID_BYTES).slice(), path: readPath() };
        break;
      case ControlMsg.Probe:
        m = { type, nonce: r.u32(), sentAt: r.f64() };
        break;
      case ControlMsg.ProbeReply: {
        const nonce = r.u32();
        const sentAt = r.f64();
        const l = r.u16();
        if (l !== LOSS_UNKNOWN && l > LOSS_SCALE) r.fail();
        m = { type, nonce, sentAt, loss: l === LOSS_UNKNOWN ? undefined : l / LOSS_SCALE };
        break;
      }
      default:
        return r.fail();
    }
    r.end();
    return m;
  });
}
