import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Verilator builds are cached on disk (build/sim-cache), so the first run of a file
// pays for compilation and later runs do not. Two workers match the 2-core machines
// this project is developed and tested on.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // The flow tests place and route tiny designs in seconds. They take a lock of this run's
    // own rather than the machine-wide place-and-route lock (synth/pnr-lock.ts), which
    // exists for long benchmark runs: a test must not wait half an hour behind one.
    env: { SKYWIRE_PNR_LOCK: join(tmpdir(), `skywire-hw-pnr-tests-${process.pid}.lock`) },
    // The JSON report lets .ci/run print a plain "N passed, N failed" closing line.
    reporters: ['default', ['json', { outputFile: 'build/test-results.json' }]],
  },
});
