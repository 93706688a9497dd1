// The node's config file: identity, UDP address, neighbours (address, key, link role, rate),
// the static route table, and the test-bed applications. Checked on load; errors name the field.
import { hexToBytes } from '@noble/hashes/utils.js';
import { validateSafConfig, type RouteConfig, type SafConfig } from '../saf/config.ts';

export interface NodeNeighbour {
  id: number;
  host: string;
  port: number;
  /** The neighbour's static public key, hex (compressed, 33 bytes). */
  publicKey: string;
  role: 'initiator' | 'responder';
  /** Link rate on the wire, bytes/s: the engine paces at it (omit: unpaced). */
  rateBytesPerSec?: number;
  /** Datagrams the pacer may send back to back (see NeighbourConfig.pacerBurstDatagrams). */
  pacerBurstDatagrams?: number;
}

export type AppConfig =
  | { kind: 'source'; local: number; seed: number; /** stop after this many bytes (default: until told) */ bytes?: number }
  | { kind: 'sink'; local: number }
  | { kind: 'rt-source'; local: number; intervalMs: number; size: number }
  | { kind: 'rt-sink'; local: number };

export interface NodeConfig {
  name: string;
  secretKey: string;
  listen: { host: string; port: number };
  neighbours: NodeNeighbour[];
  routes: RouteConfig[];
  apps: AppConfig[];
  /** Timer period, ms (default 1). */
  tickMs?: number;
  /** Link key rotation period, ms (the link layer's default when omitted). */
  rotationIntervalMs?: number;
}

export class NodeConfigError extends RangeError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`node config: ${field} ${message}`);
  }
}

export function parseNodeConfig(text: string): NodeConfig {
  const c = JSON.parse(text) as NodeConfig;
  if (typeof c.name !== 'string') throw new NodeConfigError('name', 'must be a string');
  if (typeof c.secretKey !== 'string' || c.secretKey.length !== 64) throw new NodeConfigError('secretKey', 'must be 32 bytes of hex');
  hexToBytes(c.secretKey);
  if (!c.listen || !Number.isInteger(c.listen.port) || c.listen.port < 1 || c.listen.port > 65535) throw new NodeConfigError('listen.port', 'must be a port number');
  if (!Array.isArray(c.neighbours)) throw new NodeConfigError('neighbours', 'must be an array');
  c.neighbours.forEach((n, i) => {
    if (typeof n.host !== 'string') throw new NodeConfigError(`neighbours[${i}].host`, 'must be an address');
    if (!Number.isInteger(n.port)) throw new NodeConfigError(`neighbours[${i}].port`, 'must be a port number');
    if (n.role !== 'initiator' && n.role !== 'responder') throw new NodeConfigError(`neighbours[${i}].role`, "must be 'initiator' or 'responder'");
    if (typeof n.publicKey !== 'string' || n.publicKey.length !== 66) throw new NodeConfigError(`neighbours[${i}].publicKey`, 'must be 33 bytes of hex');
  });
  validateSafConfig(safConfigOf(c));
  if (!Array.isArray(c.apps)) throw new NodeConfigError('apps', 'must be an array');
  return c;
}

export function safConfigOf(c: NodeConfig): SafConfig {
  return { neighbours: c.neighbours.map((n) => ({ id: n.id, rateBytesPerSec: n.rateBytesPerSec, pacerBurstDatagrams: n.pacerBurstDatagrams })), routes: c.routes };
}
