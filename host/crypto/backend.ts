// A crypto backend bundles the two primitives that have both a reference (@noble) and an
// OpenSSL (node:crypto) implementation. Pick `node` for the datapath, `noble` as the reference.
import { nobleAead, nodeAead, type Aead } from './aead.ts';
import { nobleEcdh, nodeEcdh, type Ecdh } from './ecdh.ts';

export interface CryptoBackend {
  readonly name: 'noble' | 'node';
  readonly aead: Aead;
  readonly ecdh: Ecdh;
}

export const nobleBackend: CryptoBackend = { name: 'noble', aead: nobleAead, ecdh: nobleEcdh };
export const nodeBackend: CryptoBackend = { name: 'node', aead: nodeAead, ecdh: nodeEcdh };
export const BACKENDS: readonly CryptoBackend[] = [nodeBackend, nobleBackend];

export function backendByName(name: string): CryptoBackend {
  const b = BACKENDS.find((x) => x.name === name);
  if (!b) throw new RangeError(`backend must be one of ${BACKENDS.map((x) => x.name).join(', ')}, got '${name}'`);
  return b;
}
