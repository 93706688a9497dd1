#!/usr/bin/env -S node --max-semi-space-size=1
// Launcher for the skywire CLI: registers tsx so the TypeScript sources run as they are,
// then hands the arguments to the CLI's main and exits with its code.
// --max-semi-space-size=1 (MiB): a daemon makes a few short-lived buffers per packet; with
// V8's default young generation (16 MiB semi-spaces) they inflate its resident memory by tens
// of MiB, with 1 MiB they are collected as they go at no cost in throughput
// (bench/results/hardening.json).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../host/cli/skywire.ts');
process.exitCode = await main(process.argv.slice(2));
