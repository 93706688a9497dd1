// docs/protocol.md is generated from the code; this fails when the two drift apart.
// Rewrite it with `npm run docs` (scripts/docs/).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nobleBackend } from '../../host/crypto/backend.ts';
import { frameNonce, openFrameBody, readFrameHeader, decodeInner } from '../../host/link/frame.ts';
import { generateProtocolDoc } from '../../scripts/docs/protocol.ts';

const DOC = fileURLToPath(new URL('../../docs/protocol.md', import.meta.url));

describe('docs/protocol.md', () => {
  const text = generateProtocolDoc();

  it('matches the implementation', () => {
    expect(existsSync(DOC), 'docs/protocol.md missing: run `npm run docs`').toBe(true);
    const committed = readFileSync(DOC, 'utf8');
    expect(committed === text, 'docs/protocol.md is stale: run `npm run docs`').toBe(true);
  });

  it('is reproducible', () => {
    expect(generateProtocolDoc()).toBe(text);
  });

  it('has a data example that the reference backend opens with the documented key and nonce rule', () => {
    // Parse the example back out of the document and decrypt it with @noble, independently of
    // the datapath that produced it.
    const section = text.split('### Data frame')[1];
    const frame = Uint8Array.from(
      Buffer.from(
        section
          .split('```')[1]
          .split('\n')
          .filter(Boolean)
          .map((l) => l.slice(6).replace(/\s+/g, ''))
          .join(''),
        'hex',
      ),
    );
    const key = Buffer.from(/K_i2r\(0\) = ([0-9a-f]{64})/.exec(text)![1], 'hex');
    const h = readFrameHeader(frame);
    if (typeof h === 'string') throw new Error(h);
    const body = openFrameBody(nobleBackend.aead, key, frameNonce(h.counter), frame.subarray(0, 20), frame.subarray(20));
    expect(body).not.toBeNull();
    expect(new TextDecoder().decode(decodeInner(body!)!.payload)).toBe('hello, neighbour');
  });
});
