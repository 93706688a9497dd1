// Route-lookup designs committed under rtl/: each CAM style at the sizes CI tests.
import type { Module } from '../ir/module.ts';
import { bramCam } from './bram-cam.ts';
import { hashCam } from './hash-cam.ts';
import { registerCam } from './register-cam.ts';

export function camDesigns(): Module[] {
  return [
    registerCam({ entries: 64, keyWidth: 128, valueWidth: 64, tagWidth: 16 }),
    registerCam({ entries: 8, keyWidth: 32, valueWidth: 32, tagWidth: 4 }),
    bramCam({ entries: 256, sliceBits: 8, keyWidth: 128, valueWidth: 64, tagWidth: 16 }),
    bramCam({ entries: 20, sliceBits: 5, keyWidth: 32, valueWidth: 32, tagWidth: 4 }),
    hashCam({ entries: 4096, ways: 4, stash: 4, keyWidth: 128, valueWidth: 64, tagWidth: 16 }),
    hashCam({ entries: 256, ways: 2, stash: 0, keyWidth: 32, valueWidth: 32, tagWidth: 4, ram: 'inferred' }),
  ];
}
