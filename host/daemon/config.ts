// The daemon's config file (JSON): who the node is, where it listens, who its neighbours are,
// what it offers, and the limits that bound what a neighbour can cost it. Everything is
// checked on load; an error names the field the way a reader would find it in the file
// (`neighbours[2].publicKey: expected ...`), and unknown fields are errors too, because a
// misspelt limit silently left at its default is worse than a refusal to start.
import { readFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { hexToBytes } from '@noble/hashes/utils.js';
import { isValidPublicKey } from '../crypto/ecdh.ts';
import { readKeyFile } from '../identity/keyfile.ts';
import type { Identity } from '../identity/identity.ts';
import { MAX_ROTATION_INTERVAL_MS, MIN_ROTATION_INTERVAL_MS } from '../link/constants.ts';
import { Cls, MAX_BUFFER_BYTES, MIN_BUFFER_BYTES } from '../saf/constants.ts';
import { codeOf, defaultInbox, defaultRuntimeDir, ensurePrivateDir, UnsafeFolderError } from './private-dir.ts';

export type TransportKind = 'udp' | 'tcp';
export const TRANSPORTS: readonly TransportKind[] = ['udp', 'tcp'];

export interface HostPort {
  host: string;
  port: number;
}

export interface ListenConfig extends HostPort {
  transport: TransportKind;
}

export interface NeighbourConfig {
  /** A label for status output and logs; defaults to the first characters of the key. */
  name: string;
  /** Compressed secp256k1 public key, hex (66 digits). */
  publicKey: string;
  transport: TransportKind;
  /** Where the neighbour listens for this transport. */
  address: HostPort;
  /**
   * Drop this percentage of datagrams sent to the neighbour. Emulates a lossy radio link
   * where network namespaces and tc are not available (the loopback demo and tests).
   */
  emulatedLossPct: number;
  /**
   * Link capacity, bytes/s, when known: discovery reports the smallest on a path, and the node
   * paces what it sends to this neighbour at it (so real-time traffic can go first).
   */
  capacityBytesPerSec?: number;
  /** How routes' hops over this link run: 'auto' (by measured loss), 'saf' or 'plain'. */
  forwarding: ForwardingMode;
}

export type ForwardingMode = 'auto' | 'saf' | 'plain';
export const FORWARDING_MODES: readonly ForwardingMode[] = ['auto', 'saf', 'plain'];

/**
 * Limits handed to the route layer (host/mesh). Omitted ones take the mesh's defaults, which
 * are defined once there; the daemon does not keep a second copy of them.
 */
export interface LimitsConfig {
  /** Routes any one neighbour may have set up through us. */
  maxRoutesPerNeighbour?: number;
  /** Route setup requests per second accepted from one neighbour, sustained. */
  setupsPerSecondPerNeighbour?: number;
  /** A forwarding rule unused for this long is removed, ms. */
  ruleIdleMs?: number;
  /** A source keeps an idle route alive this often, ms (must be below ruleIdleMs). */
  keepaliveMs?: number;
  /** A source route silent this long while an answer is due is declared failed and repaired, ms. */
  routeFailMs?: number;
  /** Send buffer of a file transfer's stream: bytes written and not yet acknowledged (default: the mesh stream's, 4 MiB). */
  streamBufferBytes?: number;
  /** Store-and-forward buffer per route and hop, bulk lane (default 256 KiB). */
  safBufferBytes?: number;
  /** ... and real-time lane (default 32 KiB). */
  safRealtimeBufferBytes?: number;
  /** Discovery queries per second accepted from one neighbour (default: the mesh's, 20). */
  queriesPerSecondPerNeighbour?: number;
  /**
   * A file transfer that makes no progress for this long fails at both ends (the sender keeps
   * repairing routes and resuming meanwhile), ms; default DEFAULT_TRANSFER_STALL_MS.
   */
  transferStallMs?: number;
}

/**
 * A forwarding plane the node programs (host/device): where its management port is, and which
 * neighbours' links ride on which of its network ports. Each of those neighbours is the
 * device's peer of the same index as in `neighbours` (so at most the device's peer count).
 */
export interface DeviceConfig {
  /** How the device is reached: Etherbone over UDP (a board's management port, or `skywire device sim`). */
  kind: 'etherbone';
  address: HostPort;
  /** First wait for an answer, ms (doubled per resend). */
  timeoutMs: number;
  /** Neighbour index -> device network port. */
  links: Map<number, number>;
  /** How often the device's counters and state are read, ms. */
  pollMs: number;
  /**
   * The device's host port (a UDP endpoint, e.g. of `npm run device:sim`). With it the links
   * run through the device: their frames reach this node through the host port, the device
   * seals and opens them and forwards installed routes alone. Without it the device is only
   * programmed alongside the node's own datapath (its links stay on this node's socket).
   */
  hostPort?: HostPort;
}

/** Default of limits.transferStallMs: longer than a route repair (about ten routeFailMs) and a neighbour's restart. */
export const DEFAULT_TRANSFER_STALL_MS = 30_000;

/** The gateway service (this node has clearnet access and offers it to the mesh). */
export interface GatewayConfig {
  /** Inner addresses, "a.b.c.d/n": the first host is the gateway's, clients get the rest. */
  pool: string;
  /** TUN device of the gateway. */
  device: string;
  /** Client node keys (hex) allowed to use the gateway, or 'open' for anyone. */
  allow: 'open' | string[];
  /** DNS servers the gateway forwards its clients' queries to ("ip" or "ip:port"); default: its resolv.conf's. */
  dnsUpstream?: string[];
}

/** Defaults of `skywire tunnel up` (each can be given on the command line instead). */
export interface TunnelConfig {
  device: string;
  /** Disjoint routes to the gateway. */
  routes: number;
  /** Prefixes routed through the tunnel ("0.0.0.0/0": everything). */
  prefixes: string[];
  /** Resolver file pointed at the gateway while the tunnel is up; null leaves DNS alone. */
  resolvConf: string | null;
}

export const DEFAULT_GATEWAY_POOL = '10.99.0.0/24';
export const DEFAULT_GATEWAY_DEVICE = 'skygw0';
export const DEFAULT_TUNNEL_DEVICE = 'skytun0';
export const DEFAULT_TUNNEL_ROUTES = 2;
export const MAX_TUNNEL_ROUTES = 8;

export interface DaemonConfig {
  name: string;
  /** Absolute path of the key file (resolved against the config file's folder). */
  identityFile: string;
  listen: ListenConfig[];
  /**
   * Unix domain socket of the control interface (absolute path). Its folder must belong to this
   * user and be writable by nobody else; by default /run/skywire/<name>.sock for root,
   * $XDG_RUNTIME_DIR/skywire/<name>.sock otherwise.
   */
  controlSocket: string;
  neighbours: NeighbourConfig[];
  /** Services this node offers to discovery (e.g. "gateway"). */
  services: string[];
  limits: LimitsConfig;
  /** Link key rotation period, ms. */
  rotationIntervalMs: number;
  /**
   * Folder where received files are written (absolute path); it must belong to this user and be
   * writable by nobody else. Default: $XDG_DATA_HOME/skywire/inbox/<name> (~/.local/share/...).
   */
  inbox: string;
  gateway?: GatewayConfig;
  tunnel: TunnelConfig;
  /**
   * Journal of the daemon's changes to the machine's network (routes, resolver, sysctls),
   * undone on stop and on the next start after a crash. Files `<path>-gateway`, `<path>-tunnel`.
   */
  netJournal: string;
  /** The forwarding plane this node programs; without it everything runs in software. */
  device?: DeviceConfig;
}

export const DEFAULT_ROTATION_INTERVAL_MS = 1000;

export const MAX_NEIGHBOURS = 256;

/** Unix socket paths are limited to 108 bytes including the terminator on Linux. */
const MAX_SOCKET_PATH_BYTES = 107;

export class ConfigError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(field ? `${field}: ${reason}` : reason);
    this.name = 'ConfigError';
  }
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `"${v.length > 40 ? v.slice(0, 40) + '…' : v}"`;
  if (typeof v === 'object') return 'an object';
  return String(v);
}

function join2(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

function rejectUnknown(o: Json, path: string, known: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) throw new ConfigError(join2(path, k), `unknown field (known: ${known.join(', ')})`);
  }
}

function str(o: Json, key: string, path: string, fallback?: string): string {
  const v = o[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string' || v.length === 0) throw new ConfigError(join2(path, key), `expected a non-empty string, got ${v === undefined ? 'nothing' : describe(v)}`);
  return v;
}

function int(o: Json, key: string, path: string, lo: number, hi: number, fallback?: number): number {
  const v = o[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new ConfigError(join2(path, key), `expected an integer in [${lo}, ${hi}], got ${v === undefined ? 'nothing' : describe(v)}`);
  }
  return v;
}

function num(o: Json, key: string, path: string, lo: number, hi: number, fallback: number): number {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) throw new ConfigError(join2(path, key), `expected a number in [${lo}, ${hi}], got ${describe(v)}`);
  return v;
}

function transport(o: Json, key: string, path: string): TransportKind {
  const v = o[key] ?? 'udp';
  if (!TRANSPORTS.includes(v as TransportKind)) throw new ConfigError(join2(path, key), `expected one of ${TRANSPORTS.join(', ')}, got ${describe(v)}`);
  return v as TransportKind;
}

/**
 * "host:port" (IPv4 or a name; "[v6]:port" for IPv6). A listen address may use port 0 (any
 * free port). Names are resolved when the daemon starts (resolveHosts).
 */
export function parseHostPort(text: unknown, field: string, minPort = 1): HostPort {
  if (typeof text !== 'string') throw new ConfigError(field, `expected "host:port", got ${describe(text)}`);
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < minPort || port > 65535) throw new ConfigError(field, `expected "host:port" with a port in [${minPort}, 65535], got ${describe(text)}`);
  return { host: m[1] ?? m[2], port };
}

/** UDP links run on an IPv4 socket: an IPv6 address there could never match. */
function checkUdpFamily(t: TransportKind, a: HostPort, field: string): void {
  if (t === 'udp' && isIP(a.host) === 6) throw new ConfigError(field, `UDP links are IPv4; got ${a.host} (use an IPv4 address, or the tcp transport for IPv6)`);
}

function parseListen(v: unknown, path: string): ListenConfig {
  if (!isObject(v)) throw new ConfigError(path, `expected an object like {"transport": "udp", "address": "0.0.0.0:7700"}, got ${describe(v)}`);
  rejectUnknown(v, path, ['transport', 'address']);
  const l = { transport: transport(v, 'transport', path), ...parseHostPort(v.address, join2(path, 'address'), 0) };
  checkUdpFamily(l.transport, l, join2(path, 'address'));
  return l;
}

function parsePublicKey(v: unknown, field: string): string {
  const bad = () => new ConfigError(field, 'expected 33-byte compressed secp256k1 key in hex');
  if (typeof v !== 'string' || !/^[0-9a-fA-F]{66}$/.test(v)) throw bad();
  if (!isValidPublicKey(hexToBytes(v))) throw bad();
  return v.toLowerCase();
}

function parseNeighbour(v: unknown, path: string): NeighbourConfig {
  if (!isObject(v)) throw new ConfigError(path, `expected an object, got ${describe(v)}`);
  rejectUnknown(v, path, ['name', 'publicKey', 'transport', 'address', 'emulatedLossPct', 'capacityMbps', 'forwarding']);
  const publicKey = parsePublicKey(v.publicKey, join2(path, 'publicKey'));
  const t = transport(v, 'transport', path);
  const address = parseHostPort(v.address, join2(path, 'address'));
  checkUdpFamily(t, address, join2(path, 'address'));
  return {
    name: str(v, 'name', path, publicKey.slice(0, 10)),
    publicKey,
    transport: t,
    address,
    emulatedLossPct: num(v, 'emulatedLossPct', path, 0, 100, 0),
    capacityBytesPerSec: v.capacityMbps === undefined ? undefined : (num(v, 'capacityMbps', path, 0.001, 1e6, 0) * 1e6) / 8,
    forwarding: forwardingMode(v.forwarding, join2(path, 'forwarding')),
  };
}

function forwardingMode(v: unknown, field: string): ForwardingMode {
  if (v === undefined) return 'auto';
  if (!FORWARDING_MODES.includes(v as ForwardingMode)) throw new ConfigError(field, `expected one of ${FORWARDING_MODES.join(', ')}, got ${describe(v)}`);
  return v as ForwardingMode;
}

const LIMIT_RANGES: Record<keyof LimitsConfig, [number, number]> = {
  maxRoutesPerNeighbour: [1, 1 << 20],
  setupsPerSecondPerNeighbour: [1, 100_000],
  ruleIdleMs: [100, 24 * 3600_000],
  keepaliveMs: [10, 3600_000],
  routeFailMs: [50, 3600_000],
  streamBufferBytes: [4096, 1 << 30],
  safBufferBytes: [MIN_BUFFER_BYTES[Cls.bulk], MAX_BUFFER_BYTES],
  safRealtimeBufferBytes: [MIN_BUFFER_BYTES[Cls.realtime], MAX_BUFFER_BYTES],
  queriesPerSecondPerNeighbour: [1, 100_000],
  transferStallMs: [1000, 24 * 3600_000],
};

function parseLimits(v: unknown, path: string): LimitsConfig {
  if (v === undefined) return {};
  if (!isObject(v)) throw new ConfigError(path, `expected an object, got ${describe(v)}`);
  const names = Object.keys(LIMIT_RANGES) as Array<keyof LimitsConfig>;
  rejectUnknown(v, path, names);
  const out: LimitsConfig = {};
  for (const k of names) if (v[k] !== undefined) out[k] = int(v, k, path, ...LIMIT_RANGES[k]);
  if (out.keepaliveMs !== undefined && out.ruleIdleMs !== undefined && out.keepaliveMs * 2 > out.ruleIdleMs) {
    // A relay must see at least two keepalives per idle period, or one lost keepalive kills a live route.
    throw new ConfigError(`${path}.keepaliveMs`, `is ${out.keepaliveMs} ms; it must be at most half of ruleIdleMs (${out.ruleIdleMs} ms)`);
  }
  return out;
}

/** Absolute, so the daemon and the CLI agree whatever folder each was started in. */
function resolvePath(base: string, p: string): string {
  return resolve(base, p);
}

const TOP_LEVEL = ['name', 'identityFile', 'listen', 'controlSocket', 'neighbours', 'services', 'limits', 'rotationIntervalMs', 'inbox', 'gateway', 'tunnel', 'netJournal', 'device'] as const;

const DEVICE_NAME = /^[A-Za-z0-9_.-]{1,15}$/;

function device(o: Json, path: string, fallback: string): string {
  const v = str(o, 'device', path, fallback);
  if (!DEVICE_NAME.test(v)) throw new ConfigError(join2(path, 'device'), `expected a network device name of 1-15 letters, digits, ".", "_" or "-", got ${describe(v)}`);
  return v;
}

/** "a.b.c.d/n" with host bits zero; the reason when not. */
function ipv4Prefix(v: unknown, field: string): string {
  const m = typeof v === 'string' ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(v) : null;
  const parts = m ? m.slice(1, 5).map(Number) : [];
  const len = m ? Number(m[5]) : NaN;
  if (!m || parts.some((p) => p > 255) || len > 32) throw new ConfigError(field, `expected an IPv4 prefix like "10.99.0.0/24", got ${describe(v)}`);
  const a = ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  if (((a & ~mask) >>> 0) !== 0) throw new ConfigError(field, `${v} has host bits set`);
  return v as string;
}

function parseGateway(v: unknown, path: string): GatewayConfig | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) throw new ConfigError(path, `expected an object like {"allow": "open"}, got ${describe(v)}`);
  rejectUnknown(v, path, ['pool', 'device', 'allow', 'dnsUpstream']);
  const pool = ipv4Prefix(v.pool ?? DEFAULT_GATEWAY_POOL, `${path}.pool`);
  if (Number(pool.split('/')[1]) > 30) throw new ConfigError(`${path}.pool`, `${pool} has no room for the gateway and a client (at most /30)`);
  let allow: GatewayConfig['allow'];
  if (v.allow === 'open') allow = 'open';
  else if (Array.isArray(v.allow)) allow = v.allow.map((k, i) => parsePublicKey(k, `${path}.allow[${i}]`));
  else throw new ConfigError(`${path}.allow`, `expected "open" or an array of client public keys (hex): who may use the gateway must be said, got ${v.allow === undefined ? 'nothing' : describe(v.allow)}`);
  let dnsUpstream: string[] | undefined;
  if (v.dnsUpstream !== undefined) {
    if (!Array.isArray(v.dnsUpstream) || v.dnsUpstream.length === 0) throw new ConfigError(`${path}.dnsUpstream`, `expected a non-empty array of "ip" or "ip:port", got ${describe(v.dnsUpstream)}`);
    dnsUpstream = v.dnsUpstream.map((u, i) => {
      if (typeof u !== 'string' || !/^\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?$/.test(u)) throw new ConfigError(`${path}.dnsUpstream[${i}]`, `expected "ip" or "ip:port", got ${describe(u)}`);
      return u;
    });
  }
  return { pool, device: device(v, path, DEFAULT_GATEWAY_DEVICE), allow, dnsUpstream };
}

function parseTunnel(v: unknown, path: string): TunnelConfig {
  if (v === undefined) v = {};
  if (!isObject(v)) throw new ConfigError(path, `expected an object, got ${describe(v)}`);
  rejectUnknown(v, path, ['device', 'routes', 'prefixes', 'resolvConf']);
  const prefixes = v.prefixes ?? ['0.0.0.0/0'];
  if (!Array.isArray(prefixes) || prefixes.length === 0) throw new ConfigError(`${path}.prefixes`, `expected a non-empty array of IPv4 prefixes, got ${describe(prefixes)}`);
  const rc = v.resolvConf;
  if (rc !== undefined && rc !== null && (typeof rc !== 'string' || !rc)) throw new ConfigError(`${path}.resolvConf`, `expected a file path or null, got ${describe(rc)}`);
  return {
    device: device(v, path, DEFAULT_TUNNEL_DEVICE),
    routes: int(v, 'routes', path, 1, MAX_TUNNEL_ROUTES, DEFAULT_TUNNEL_ROUTES),
    prefixes: prefixes.map((p, i) => ipv4Prefix(p, `${path}.prefixes[${i}]`)),
    resolvConf: rc === undefined ? '/etc/resolv.conf' : rc === null ? null : (rc as string),
  };
}

/** Ports a forwarding plane may have (spec/forwarding/params.ts allows 1 to 4). */
const MAX_DEVICE_PORTS = 4;

function parseDevice(v: unknown, path: string, neighbours: NeighbourConfig[]): DeviceConfig | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) throw new ConfigError(path, `expected an object like {"kind": "etherbone", "address": "192.168.1.50:1234", "links": {"b": 0}}, got ${describe(v)}`);
  rejectUnknown(v, path, ['kind', 'address', 'timeoutMs', 'links', 'pollMs', 'hostPort']);
  if (v.kind !== 'etherbone') throw new ConfigError(join2(path, 'kind'), `expected "etherbone", got ${describe(v.kind)}`);
  const address = parseHostPort(typeof v.address === 'string' && !/:\d+$/.test(v.address) ? `${v.address}:1234` : v.address, join2(path, 'address'));
  if (!isObject(v.links)) throw new ConfigError(join2(path, 'links'), `expected an object of neighbour name -> device port, got ${describe(v.links)}`);
  const links = new Map<number, number>();
  for (const [name, port] of Object.entries(v.links)) {
    const field = join2(join2(path, 'links'), name);
    const i = neighbours.findIndex((n) => n.name === name);
    if (i < 0) throw new ConfigError(field, `no neighbour is named "${name}" (neighbours: ${neighbours.map((n) => n.name).join(', ') || 'none'})`);
    if (neighbours[i]!.transport !== 'udp') throw new ConfigError(field, `neighbour "${name}" is linked over ${neighbours[i]!.transport}; a forwarding plane carries UDP links`);
    links.set(i, int(v.links, name, join2(path, 'links'), 0, MAX_DEVICE_PORTS - 1));
  }
  const hostPort = v.hostPort === undefined ? undefined : parseHostPort(v.hostPort, join2(path, 'hostPort'));
  return { kind: 'etherbone', address, timeoutMs: int(v, 'timeoutMs', path, 1, 60_000, 200), links, pollMs: int(v, 'pollMs', path, 50, 60_000, 1000), ...(hostPort ? { hostPort } : {}) };
}

/**
 * Checks a parsed config. `baseDir` resolves relative paths (the config file's folder).
 * Throws ConfigError naming the first bad field.
 */
export function validateConfig(raw: unknown, baseDir: string): DaemonConfig {
  if (!isObject(raw)) throw new ConfigError('', `the config must be a JSON object, got ${describe(raw)}`);
  rejectUnknown(raw, '', TOP_LEVEL);
  const name = str(raw, 'name', '');
  if (!/^[A-Za-z0-9._-]{1,32}$/.test(name)) throw new ConfigError('name', 'expected 1-32 letters, digits, ".", "_" or "-"');
  const identityFile = resolvePath(baseDir, str(raw, 'identityFile', ''));

  if (!Array.isArray(raw.listen) || raw.listen.length === 0) throw new ConfigError('listen', `expected a non-empty array of {transport, address}, got ${describe(raw.listen)}`);
  const listen = raw.listen.map((l, i) => parseListen(l, `listen[${i}]`));
  for (const t of TRANSPORTS) {
    const n = listen.filter((l) => l.transport === t).length;
    if (n > 1) throw new ConfigError('listen', `more than one ${t} address; one per transport`);
  }

  const controlSocket = resolvePath(baseDir, str(raw, 'controlSocket', '', join(defaultRuntimeDir(), `${name}.sock`)));
  if (Buffer.byteLength(controlSocket) > MAX_SOCKET_PATH_BYTES) {
    throw new ConfigError('controlSocket', `path is ${Buffer.byteLength(controlSocket)} bytes; Unix sockets allow at most ${MAX_SOCKET_PATH_BYTES}`);
  }

  const rawNeighbours = raw.neighbours ?? [];
  if (!Array.isArray(rawNeighbours)) throw new ConfigError('neighbours', `expected an array, got ${describe(rawNeighbours)}`);
  // Neighbour numbers are the route table's output ports (host/mesh: 0..255).
  if (rawNeighbours.length > MAX_NEIGHBOURS) throw new ConfigError('neighbours', `has ${rawNeighbours.length} entries; at most ${MAX_NEIGHBOURS}`);
  const neighbours = rawNeighbours.map((n, i) => parseNeighbour(n, `neighbours[${i}]`));
  neighbours.forEach((n, i) => {
    const j = neighbours.findIndex((m) => m.publicKey === n.publicKey);
    if (j !== i) throw new ConfigError(`neighbours[${i}].publicKey`, `same key as neighbours[${j}]; one entry per neighbour`);
    checkDistinctAddress(neighbours, i, n.address);
    // A link needs a socket of its transport at this end: for UDP to send and receive, for
    // TCP to accept the neighbour when it is the one that dials.
    if (!listen.some((l) => l.transport === n.transport)) {
      throw new ConfigError(`neighbours[${i}].transport`, `is ${n.transport} but listen has no ${n.transport} address`);
    }
  });

  const rawServices = raw.services ?? [];
  if (!Array.isArray(rawServices)) throw new ConfigError('services', `expected an array of names, got ${describe(rawServices)}`);
  const services = rawServices.map((s, i) => {
    if (typeof s !== 'string' || !/^[a-z0-9-]{1,32}$/.test(s)) throw new ConfigError(`services[${i}]`, `expected a name of 1-32 lowercase letters, digits or "-", got ${describe(s)}`);
    return s;
  });

  return {
    name,
    identityFile,
    listen,
    controlSocket,
    neighbours,
    services,
    limits: parseLimits(raw.limits, 'limits'),
    rotationIntervalMs: int(raw, 'rotationIntervalMs', '', MIN_ROTATION_INTERVAL_MS, MAX_ROTATION_INTERVAL_MS, DEFAULT_ROTATION_INTERVAL_MS),
    inbox: resolvePath(baseDir, str(raw, 'inbox', '', defaultInbox(name))),
    gateway: parseGateway(raw.gateway, 'gateway'),
    tunnel: parseTunnel(raw.tunnel, 'tunnel'),
    // /run is emptied at boot, exactly when routes and resolver changes are gone too.
    netJournal: resolvePath(baseDir, str(raw, 'netJournal', '', `/run/skywire/${name}-net`)),
    ...(raw.device === undefined ? {} : { device: parseDevice(raw.device, 'device', neighbours) }),
  };
}

/**
 * Two neighbours at one address and transport cannot both have a link: a UDP datagram is
 * matched to its link by the address it comes from, and a TCP dial reaches one node.
 */
function checkDistinctAddress(neighbours: NeighbourConfig[], i: number, a: HostPort): void {
  const n = neighbours[i];
  const j = neighbours.findIndex((m) => m.transport === n.transport && m.address.host.toLowerCase() === a.host.toLowerCase() && m.address.port === a.port);
  if (j !== i && j >= 0) {
    throw new ConfigError(`neighbours[${i}].address`, `${n.transport} ${a.host}:${a.port} is also neighbours[${j}]'s address (${neighbours[j].name}); each neighbour needs its own`);
  }
}

/**
 * Resolves host names to addresses once, when the daemon starts: a UDP link matches datagrams
 * by the numeric address they come from, so a name must become that address (IPv4, the
 * socket's family); listen addresses must be this host's. Errors name the field. Returns the
 * config with numeric hosts for UDP neighbours and listen addresses (TCP neighbours keep their
 * names: each dial resolves them anew).
 */
export async function resolveHosts(c: DaemonConfig): Promise<DaemonConfig> {
  const one = async (host: string, family: 4 | 0, field: string): Promise<string> => {
    if (isIP(host)) return host;
    try {
      return (await lookup(host, { family })).address;
    } catch (e) {
      throw new ConfigError(field, `cannot resolve host name '${host}': ${codeOf(e)}`);
    }
  };
  const listen = await Promise.all(c.listen.map(async (l, i) => ({ ...l, host: await one(l.host, l.transport === 'udp' ? 4 : 0, `listen[${i}].address`) })));
  const neighbours = await Promise.all(
    c.neighbours.map(async (n, i) => (n.transport === 'udp' ? { ...n, address: { ...n.address, host: await one(n.address.host, 4, `neighbours[${i}].address`) } } : n)),
  );
  neighbours.forEach((n, i) => checkDistinctAddress(neighbours, i, n.address));
  const d = c.device;
  const device = d && { ...d, address: { ...d.address, host: await one(d.address.host, 4, 'device.address') }, ...(d.hostPort ? { hostPort: { ...d.hostPort, host: await one(d.hostPort.host, 4, 'device.hostPort') } } : {}) };
  return { ...c, listen, neighbours, ...(device ? { device } : {}) };
}

/** This node's own key must not be one of its neighbours (it would dial itself forever). */
export function checkNotOwnKey(c: DaemonConfig, identity: Identity): void {
  const own = Buffer.from(identity.publicKey).toString('hex');
  const i = c.neighbours.findIndex((n) => n.publicKey === own);
  if (i >= 0) throw new ConfigError(`neighbours[${i}].publicKey`, `is this node's own key (${identity.address}); a node is not its own neighbour`);
}

/**
 * Creates (mode 0700) or checks the control socket's folder and the inbox: both must belong to
 * this user and be writable by nobody else (private-dir.ts). Errors name the field.
 */
export function prepareFolders(c: DaemonConfig): void {
  const check = (field: string, dir: string) => {
    try {
      ensurePrivateDir(dir);
    } catch (e) {
      if (e instanceof UnsafeFolderError) throw new ConfigError(field, e.message);
      throw new ConfigError(field, `cannot use ${dir}: ${codeOf(e)}`);
    }
  };
  check('controlSocket', dirname(c.controlSocket));
  check('inbox', c.inbox);
}

/** Reads, parses and checks a config file. Errors name the file and the field. */
export function loadConfig(path: string): DaemonConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError('', `cannot read config ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError('', `config ${path} is not valid JSON: ${(e as Error).message}`);
  }
  return validateConfig(raw, dirname(path));
}

/** Loads the identity the config names; errors name the field. */
export function loadIdentity(c: DaemonConfig): Identity {
  try {
    return readKeyFile(c.identityFile);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError('identityFile', code ? `cannot read ${c.identityFile}: ${code}` : (e as Error).message);
  }
}
