// The register-map model refuses maps that cannot be printed consistently, and the
// forwarding plane's formats that go with it (route key, value layout with a counter index,
// host-port header, counter indices) encode what they document.
import { describe, expect, it } from 'vitest';
import { decodeHostHeader, encodeHostHeader } from '../../spec/forwarding/host-port.ts';
import { PEER_COUNTERS, peerCounterIndex, portCounterIndex } from '../../spec/forwarding/counters.ts';
import { FwdParamError, fwdParams } from '../../spec/forwarding/params.ts';
import { fpRegisterMap } from '../../spec/forwarding/registers.ts';
import { RegMapError, address, buildMap, field, packFields, reg, unpackField } from '../../spec/forwarding/regmap.ts';
import { routeKey, routeValueLayout, splitRouteKey } from '../../spec/forwarding/route-key.ts';
import { decodeAction, encodeAction, valueLayout } from '../../spec/route-table/layout.ts';
import { FRAME_REJECTS } from '../../spec/link-wire.ts';

const base = { name: 't', doc: 'test', version: { major: 1, minor: 0 }, bytes: 0x100 };

describe('register map model', () => {
  it('lays out groups and arrays at their strides', () => {
    const m = fpRegisterMap();
    expect(address(m, 'peer', 'ctrl', 3)).toBe(0x1000 + 3 * 0x40);
    expect(address(m, 'keyslot', 'generation', 63)).toBe(0x0800 + 63 * 8 + 4);
    expect(() => address(m, 'peer', 'ctrl', 16)).toThrow('peer[16] is outside its 16 elements');
    expect(() => address(m, 'peer', 'nothing')).toThrow('group peer has no register "nothing"');
  });

  it('packs and unpacks fields, refusing values that do not fit', () => {
    const r = reg(fpRegisterMap(), 'peer', 'ctrl');
    const w = packFields(r, { session: 1, up: 1, port: 3, tx_slot: 1 });
    expect(w).toBe(0x313);
    expect(unpackField(r, 'port', w)).toBe(3);
    expect(() => packFields(r, { port: 16 })).toThrow('ctrl.port = 16 does not fit 4 bits');
  });

  it('refuses overlapping fields, bad names, overlapping groups and misplaced constants', () => {
    const g = (regs: Parameters<typeof buildMap>[0]['groups'][number]['regs'], extra = {}) => ({ ...base, groups: [{ name: 'g', doc: '', offset: 0, regs, ...extra }] });
    expect(() => buildMap(g([{ name: 'r', doc: '', access: 'rw', fields: [field('a', 0, 8, ''), field('b', 4, 8, '')] }]))).toThrow('g.r.b: overlaps another field');
    expect(() => buildMap(g([{ name: 'R', doc: '', access: 'rw', fields: [field('a', 0, 8, '')] }]))).toThrow('register name "R"');
    expect(() => buildMap(g([{ name: 'r', doc: '', access: 'rw', fields: [field('a', 30, 4, '')] }]))).toThrow('bits 33:30 are outside a 32-bit register');
    expect(() => buildMap(g([{ name: 'r', doc: '', access: 'rw', fields: [field('a', 0, 4, '', { value: 3 })] }]))).toThrow('only a read-only field can be a constant');
    expect(() => buildMap(g([{ name: 'r', doc: '', access: 'ro', kind: 'command', fields: [field('a', 0, 4, '')] }]))).toThrow("a command register's fields are written");
    expect(() => buildMap(g([{ name: 'r', doc: '', access: 'rw', fields: [field('a', 0, 4, '', { reset: 16 })] }]))).toThrow('value 16 does not fit 4 bits');
    expect(() => buildMap({ ...base, groups: [
      { name: 'a', doc: '', offset: 0, count: 4, stride: 0x10, regs: [{ name: 'r', doc: '', access: 'rw', fields: [field('x', 0, 1, '')] }] },
      { name: 'b', doc: '', offset: 0x20, regs: [{ name: 'r', doc: '', access: 'rw', fields: [field('x', 0, 1, '')] }] },
    ] })).toThrow('groups a and b overlap');
    expect(() => buildMap({ ...base, groups: [{ name: 'a', doc: '', offset: 0xfc, regs: [
      { name: 'r', doc: '', access: 'rw', fields: [field('x', 0, 1, '')] }, { name: 's', doc: '', access: 'rw', fields: [field('x', 0, 1, '')] },
    ] }] })).toThrow(RegMapError);
  });

  it('changes the build ID when a parameter changes', () => {
    const id = (p = {}) => fpRegisterMap(p).groups[0]!.regs.find((r) => r.name === 'build_id')!.fields[0]!.value;
    expect(id()).toBe(id());
    expect(id({ peers: 32 })).not.toBe(id());
    expect(id({ clockKhz: 125_000 })).not.toBe(id());
    expect(() => fwdParams({ peers: 12 })).toThrow(FwdParamError);
    expect(() => fwdParams({ peers: 12 })).toThrow('parameter "peers" is 12; it must be a power of two from 2 to 64');
    expect(() => fwdParams({ lanes: 2 } as never)).toThrow('unknown parameter "lanes"');
  });
});

describe('forwarding formats', () => {
  it('keys routes by (from peer, route ID)', () => {
    expect(routeKey(3, 0xdeadbeef)).toBe(0x3deadbeefn);
    expect(splitRouteKey(0x3deadbeefn)).toEqual({ from: 3, routeId: 0xdeadbeef });
    expect(() => routeKey(256, 1)).toThrow('from peer 256');
  });

  it('carries a counter index in the value without moving the fields below it', () => {
    const l = routeValueLayout({ ruleCounters: 4096 });
    expect(l.fields.map((f) => [f.name, f.offset, f.width])).toEqual([['valid', 0, 1], ['local', 1, 1], ['qos', 2, 1], ['reserved', 3, 5], ['port', 8, 8], ['counter', 16, 12], ['arg', 28, 36]]);
    const a = { kind: 'forward', port: 5, nextRoute: 0xfeedbeefn, qos: false, counter: 4095 } as const;
    expect(decodeAction(l, encodeAction(l, a))).toEqual(a);
    expect(() => encodeAction(valueLayout(64), a)).toThrow('has no counter field');
    expect(() => valueLayout(32, { counterBits: 12 })).toThrow('does not fit a 32-bit value');
    // The plain layout is unchanged, so the committed CAMs and docs/route-table.md are too.
    expect(valueLayout(64).fields.map((f) => f.name)).toEqual(['valid', 'local', 'qos', 'reserved', 'port', 'arg']);
  });

  it('encodes and checks the host-port header', () => {
    const h = encodeHostHeader({ kind: 'opened', reason: 'routeMiss', port: 1, peer: 7, length: 300 });
    expect([...h]).toEqual([2, 7, 1, 7, 1, 44, 0, 0]);
    const frame = new Uint8Array(308);
    frame.set(h);
    expect(decodeHostHeader(frame)).toEqual({ kind: 'opened', reason: 'routeMiss', port: 1, peer: 7, length: 300 });
    expect(decodeHostHeader(frame.subarray(0, 100))).toBe('host frame says 300 bytes follow its header; 92 do');
    expect(decodeHostHeader(Uint8Array.of(9, 0, 0, 0, 0, 0, 0, 0))).toBe('unknown host frame kind 9');
    expect(decodeHostHeader(Uint8Array.of(1, 0, 0))).toContain('shorter than its 8-byte header');
  });

  it('numbers counters with the link layer\'s reject names', () => {
    for (const r of FRAME_REJECTS) expect(PEER_COUNTERS).toContain(r);
    expect(peerCounterIndex(2, 'rxFrames')).toBe(64);
    expect(peerCounterIndex(0, 'badTag')).toBe(PEER_COUNTERS.indexOf('badTag'));
    expect(portCounterIndex(1, 'ipChecksum')).toBe(16 + 6);
  });
});
