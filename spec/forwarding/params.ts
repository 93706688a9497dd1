// The forwarding plane's build parameters, defined once: the generator, the register map
// (which reports them in its `id` block), the C headers and the host driver read them here.
// A configuration that cannot be built is refused with the parameter named.

export interface FwdParams {
  /** Network ports (AXI-Stream Ethernet, 64-bit beats). */
  readonly ports: number;
  /** Peers the plane serves: neighbours with key slots, replay windows and a header template. */
  readonly peers: number;
  /** Route-table slots in the hashed CAM's ways (plus `routeStash` stash slots). */
  readonly routeEntries: number;
  readonly routeWays: number;
  readonly routeStash: number;
  /** Per-rule traffic counters; a route's value names its counter (spec/route-table/layout.ts). */
  readonly ruleCounters: number;
  /** Clock the design is built for, in kHz (reported to the host; 156,250 kHz = 10GbE's 64-bit clock). */
  readonly clockKhz: number;
}

export const FWD_DEFAULTS: FwdParams = {
  ports: 2,
  peers: 16,
  routeEntries: 4096,
  routeWays: 4,
  routeStash: 4,
  ruleCounters: 4096,
  clockKhz: 156_250,
};

/** Bytes per beat of every stream in the plane (network ports and host port). */
export const BEAT_BYTES = 8;

export class FwdParamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FwdParamError';
  }
}

const pow2 = (n: number): boolean => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

/** Fills defaults and checks every parameter; unknown names are errors too. */
export function fwdParams(given: Partial<FwdParams> = {}): FwdParams {
  for (const k of Object.keys(given)) if (!(k in FWD_DEFAULTS)) throw new FwdParamError(`forwarding plane: unknown parameter "${k}"; known: ${Object.keys(FWD_DEFAULTS).join(', ')}`);
  const p = { ...FWD_DEFAULTS, ...given };
  const need = (ok: boolean, name: keyof FwdParams, what: string): void => {
    if (!ok) throw new FwdParamError(`forwarding plane: parameter "${name}" is ${JSON.stringify(p[name])}; it must be ${what}`);
  };
  need(Number.isInteger(p.ports) && p.ports >= 1 && p.ports <= 4, 'ports', 'an integer from 1 to 4');
  need(pow2(p.peers) && p.peers >= 2 && p.peers <= 64, 'peers', 'a power of two from 2 to 64');
  need(pow2(p.routeWays) && p.routeWays >= 2 && p.routeWays <= 8, 'routeWays', 'a power of two from 2 to 8');
  need(pow2(p.routeEntries) && p.routeEntries / p.routeWays >= 16 && p.routeEntries <= 65536, 'routeEntries', 'a power of two from 16 x routeWays to 65,536');
  need(Number.isInteger(p.routeStash) && p.routeStash >= 0 && p.routeStash <= 8, 'routeStash', 'an integer from 0 to 8');
  need(pow2(p.ruleCounters) && p.ruleCounters >= 16 && p.ruleCounters <= 65536, 'ruleCounters', 'a power of two from 16 to 65,536');
  need(Number.isInteger(p.clockKhz) && p.clockKhz >= 1000 && p.clockKhz <= 500_000, 'clockKhz', 'an integer from 1,000 to 500,000');
  return p;
}

export const log2 = (n: number): number => Math.max(1, Math.ceil(Math.log2(n)));
