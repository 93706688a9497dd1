// The Etherbone codec against the protocol's documented layout (bytes written out by hand from
// the layout in host/device/etherbone.ts and LiteX's header definitions) and against LiteX's
// own packet code, run from .venv.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePacket, encodePacket, type EtherbonePacket } from '../../host/device/etherbone.ts';
import { hex } from '../../spec/bytes.ts';
import { hasLitex, NO_LITEX_REASON, ROOT, VENV_PYTHON } from './support/litex.ts';

const fromHex = (h: string): Uint8Array => Uint8Array.from(h.replace(/\s+/g, '').match(/../g)!.map((x) => parseInt(x, 16)));

describe('Etherbone codec, documented layout', () => {
  it('encodes a read-and-write record byte for byte', () => {
    const p: EtherbonePacket = { records: [{ writes: { base: 0x40, data: [0xdeadbeef, 1] }, reads: { returnBase: 0x1234_5678, addresses: [0x0, 0x1004] } }] };
    const expected =
      '4e6f 10 44 00000000' + // magic, version 1, no flags, 32-bit address and port, padding
      '00 0f 02 02' + // record: flags, byte enable, 2 writes, 2 reads
      '00000040 deadbeef 00000001' + // write base, data
      '12345678 00000000 00001004'; // return address, read addresses
    expect(hex(encodePacket(p))).toBe(expected.replace(/\s+/g, ''));
    expect(decodePacket(fromHex(expected))).toEqual({ records: [{ flags: 0, byteEnable: 0x0f, ...p.records[0] }] });
  });

  it("reads litex_server's probe (PF and 4 bytes of padding) and answers with PR", () => {
    const probe = decodePacket(fromHex('4e6f1144 00000000 00000000'));
    expect(probe).toEqual({ probe: true, records: [] });
    expect(hex(encodePacket({ probeReply: true, records: [], padding: 4 }))).toBe('4e6f1244' + '00'.repeat(8));
  });

  it('names what is wrong with a malformed packet and never throws', () => {
    expect(decodePacket(fromHex('4e6f10'))).toMatch(/shorter than the 8-byte Etherbone header/);
    expect(decodePacket(fromHex('4e6e1044 00000000'))).toMatch(/magic 0x4e6e/);
    expect(decodePacket(fromHex('4e6f2044 00000000'))).toMatch(/version 2/);
    expect(decodePacket(fromHex('4e6f1088 00000000'))).toMatch(/address size 8/);
    expect(decodePacket(fromHex('4e6f1044 00000000 000f0300 00000040 00000001'))).toMatch(/record 0 needs 20 bytes \(3 writes, 0 reads\); 12 remain/);
    for (let n = 0; n < 2000; n++) {
      const junk = Uint8Array.from({ length: (n % 60) + 1 }, (_, i) => (i < 2 ? [0x4e, 0x6f][i]! : (n * 7 + i * 13) & 0xff));
      expect(() => decodePacket(junk)).not.toThrow();
    }
  });

  it('refuses records beyond 255 accesses and values beyond 32 bits', () => {
    expect(() => encodePacket({ records: [{ reads: { returnBase: 0, addresses: new Array(256).fill(0) } }] })).toThrow(/at most 255/);
    expect(() => encodePacket({ records: [{ writes: { base: 0, data: [2 ** 32] } }] })).toThrow(/not a u32/);
  });
});

describe.skipIf(!hasLitex)(`Etherbone codec against LiteX's packet code${hasLitex ? '' : ` (skipped: ${NO_LITEX_REASON})`}`, () => {
  let py: ChildProcessWithoutNullStreams;
  let lines: AsyncIterator<string>;
  const ask = async (req: unknown): Promise<any> => {
    py.stdin.write(JSON.stringify(req) + '\n');
    const r = await lines.next();
    return JSON.parse(r.value as string);
  };
  beforeAll(() => {
    py = spawn(VENV_PYTHON, [`${ROOT}/test/device/support/litex_etherbone.py`]);
    lines = createInterface({ input: py.stdout })[Symbol.asyncIterator]();
  });
  afterAll(() => py.kill());

  const cases: EtherbonePacket[] = [
    { records: [{ reads: { returnBase: 7, addresses: [0x0, 0x4, 0x1000] } }] },
    { records: [{ writes: { base: 0x80, data: [1, 2, 3, 0xffffffff] } }] },
    { records: [{ writes: { base: 0x100, data: [0xa5a5a5a5] }, reads: { returnBase: 0xfffffffe, addresses: [0x100, 0x104] } }] },
    { records: [{ writes: { base: 0, data: Array.from({ length: 255 }, (_, i) => i * 0x01010101) } }] },
    { records: [{ reads: { returnBase: 1, addresses: [0x40] } }, { writes: { base: 0x44, data: [9] }, reads: { returnBase: 2, addresses: [0x44] } }] },
  ];

  it('our bytes are the bytes LiteX encodes, and each decodes the other', async () => {
    for (const c of cases) {
      const theirs = await ask({ encode: c });
      expect(hex(encodePacket(c))).toBe(theirs.hex);
      const back = await ask({ decode: hex(encodePacket(c)) });
      expect(back.records).toEqual(c.records.map((r) => ({ byteEnable: 15, ...(r.writes ? { writes: r.writes } : {}), ...(r.reads ? { reads: { addresses: r.reads.addresses } } : {}) })));
      const ours = decodePacket(fromHex(theirs.hex));
      expect(typeof ours).not.toBe('string');
      expect((ours as EtherbonePacket).records).toEqual(c.records.map((r) => ({ flags: 0, byteEnable: 15, ...r })));
    }
    const probe = await ask({ encode: { probe: true, records: [] } });
    expect(decodePacket(fromHex(probe.hex))).toEqual({ probe: true, records: [] });
  });
});
