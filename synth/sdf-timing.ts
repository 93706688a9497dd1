// Every failing endpoint of a routed design, not just the one path nextpnr prints.
//
// nextpnr reports one critical path per clock. On the unrolled ChaCha core a place-and-route
// run takes twenty minutes, so fixing one path per run is too slow: this reads the SDF that
// nextpnr writes (`--sdf`), which holds every routed net delay and every cell arc, and runs a
// plain single-clock static timing analysis over it. Endpoints are grouped by the register
// they belong to (bits of one vector together), and each group's worst path is traced back.
//
// The model matches nextpnr's for one clock: launch at a clock-to-output arc, add interconnect
// and combinational arcs (max corner), end at a setup check. Clock skew is taken as zero,
// as nextpnr does for a global clock.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** One timing arc: from a pin to a pin with a delay in picoseconds. */
interface Arc {
  from: string;
  delay: number;
  kind: 'net' | 'cell';
}

export interface TimingGraph {
  /** Arcs into each pin (net arcs into cell inputs, cell arcs into cell outputs). */
  into: Map<string, Arc[]>;
  /** Launch pins (register or RAM outputs) with their clock-to-output delay. */
  launch: Map<string, number>;
  /** Setup checks: pin → setup time. */
  setup: Map<string, number>;
}

/** A pin name as `instance/pin`; SDF escapes special characters in names with a backslash. */
function unescape(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

function maxDelay(triple: string): number {
  // (min:typ:max) or (value); the slow corner is the one setup is checked against.
  const parts = triple.replace(/[()]/g, '').split(':');
  return Number(parts[parts.length - 1]);
}

const CLOCK_PIN = /^(CLK|CLKA|CLKB|CLKI|CLKO)$/;

/** Builds the timing graph from SDF text lines (nextpnr's layout: one statement per line). */
export async function readSdf(lines: AsyncIterable<string> | Iterable<string>): Promise<TimingGraph> {
  const g: TimingGraph = { into: new Map(), launch: new Map(), setup: new Map() };
  const add = (to: string, arc: Arc): void => {
    const list = g.into.get(to);
    if (list) list.push(arc);
    else g.into.set(to, [arc]);
  };
  let instance = '';
  for await (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith('(INSTANCE')) {
      instance = unescape(line.slice('(INSTANCE'.length, -1).trim());
    } else if (line.startsWith('(INTERCONNECT ')) {
      const m = /^\(INTERCONNECT\s+(\S+)\s+(\S+)\s+(\([^)]*\))/.exec(line);
      if (!m) throw new Error(`SDF: cannot read "${line}"`);
      const from = unescape(m[1]!);
      const to = unescape(m[2]!);
      // Clock-network arcs carry no data; leaving them out keeps the clock from looking like data.
      if (CLOCK_PIN.test(to.slice(to.lastIndexOf('/') + 1))) continue;
      add(to, { from, delay: maxDelay(m[3]!), kind: 'net' });
    } else if (line.startsWith('(IOPATH ')) {
      // The input pin may carry an edge: (IOPATH (posedge CLK) Q ...).
      const m = /^\(IOPATH\s+(?:\((?:posedge|negedge)\s+([^\s)]+)\)|(\S+))\s+(\S+)\s+(\([^)]*\))/.exec(line);
      if (!m) throw new Error(`SDF: cannot read "${line}"`);
      const a = (m[1] ?? m[2])!;
      const to = `${instance}/${m[3]}`;
      if (CLOCK_PIN.test(a)) g.launch.set(to, Math.max(g.launch.get(to) ?? 0, maxDelay(m[4]!)));
      else add(to, { from: `${instance}/${a}`, delay: maxDelay(m[4]!), kind: 'cell' });
    } else if (line.startsWith('(SETUPHOLD ') || line.startsWith('(SETUP ')) {
      const m = /^\(SETUP(?:HOLD)?\s+\((?:posedge|negedge)\s+(\S+)\)\s+\([^)]*\)\s+(\([^)]*\))/.exec(line)
        ?? /^\(SETUP(?:HOLD)?\s+(\S+)\s+\([^)]*\)\s+(\([^)]*\))/.exec(line);
      if (!m) throw new Error(`SDF: cannot read "${line}"`);
      const pin = `${instance}/${m[1]}`;
      g.setup.set(pin, Math.max(g.setup.get(pin) ?? 0, maxDelay(m[2]!)));
    }
  }
  return g;
}

export interface PathStep {
  pin: string;
  /** Arrival time at this pin, ps. */
  at: number;
  kind: 'launch' | 'net' | 'cell';
}

export interface Endpoint {
  pin: string;
  /** Data arrival plus setup, ps. */
  required: number;
  slackPs: number;
}

export interface TimingResult {
  periodPs: number;
  endpoints: Endpoint[];
  /** Worst arrival predecessor of each pin, for tracing. */
  arrival: Map<string, { at: number; via?: Arc }>;
}

/** Arrival times by memoised depth-first search (iterative: paths can be thousands of pins long). */
export function analyse(g: TimingGraph, periodPs: number): TimingResult {
  const arrival = new Map<string, { at: number; via?: Arc }>();
  const onStack = new Set<string>();
  const resolve = (start: string): void => {
    const stack: string[] = [start];
    while (stack.length > 0) {
      const pin = stack[stack.length - 1]!;
      if (arrival.has(pin)) {
        stack.pop();
        continue;
      }
      const launch = g.launch.get(pin);
      if (launch !== undefined) {
        arrival.set(pin, { at: launch });
        stack.pop();
        continue;
      }
      const arcs = g.into.get(pin) ?? [];
      const pending = arcs.filter((a) => !arrival.has(a.from));
      if (pending.length > 0 && !onStack.has(pin)) {
        onStack.add(pin);
        for (const a of pending) if (!onStack.has(a.from)) stack.push(a.from);
        continue;
      }
      // All inputs known (or a combinational loop, broken here as nextpnr does with --ignore-loops).
      onStack.delete(pin);
      // A pin nothing launches reaches stays at minus infinity (a pad or a constant).
      let best: { at: number; via?: Arc } = { at: Number.NEGATIVE_INFINITY };
      for (const a of arcs) {
        const src = arrival.get(a.from);
        if (src && src.at + a.delay > best.at) best = { at: src.at + a.delay, via: a };
      }
      arrival.set(pin, best);
      stack.pop();
    }
  };
  const endpoints: Endpoint[] = [];
  for (const [pin, setup] of g.setup) {
    resolve(pin);
    const at = arrival.get(pin)!.at;
    if (at === Number.NEGATIVE_INFINITY) continue; // driven by a constant or an input pad only
    endpoints.push({ pin, required: at + setup, slackPs: periodPs - (at + setup) });
  }
  endpoints.sort((a, b) => a.slackPs - b.slackPs);
  return { periodPs, endpoints, arrival };
}

/** The worst path into `pin`, launch first. */
export function tracePath(r: TimingResult, pin: string): PathStep[] {
  const steps: PathStep[] = [];
  let cur: string | undefined = pin;
  while (cur !== undefined) {
    const a = r.arrival.get(cur);
    if (!a) break;
    steps.push({ pin: cur, at: a.at, kind: a.via ? a.via.kind : 'launch' });
    // Each pin's predecessor was resolved before it, so the chain ends at a launch.
    cur = a.via?.from;
  }
  return steps.reverse();
}

/** The register an endpoint belongs to: packing suffixes and bit indices dropped. */
export function endpointGroup(pin: string): string {
  const inst = pin.slice(0, pin.lastIndexOf('/'));
  return inst
    .replace(/_TRELLIS_FF_Q(_\d+)?(_[A-Z]+_LUT4_Z(_\d+)?)?$/, '')
    .replace(/\$CCU2_COMB\d$/, '')
    .replace(/_(CCU2C|LUT4|PFUMX|L6MUX21|DPR16X4|DP16KD)(_[A-Z0-9]+)*(_\d+)*$/, '')
    .replace(/\[\d+\]/g, '[]')
    .replace(/\d+/g, 'N');
}

export interface EndpointGroup {
  group: string;
  count: number;
  worst: Endpoint;
}

export function failingGroups(r: TimingResult, slackPs = 0): EndpointGroup[] {
  const groups = new Map<string, EndpointGroup>();
  for (const e of r.endpoints) {
    if (e.slackPs >= slackPs) break;
    const name = endpointGroup(e.pin);
    const g = groups.get(name);
    if (g) g.count++;
    else groups.set(name, { group: name, count: 1, worst: e });
  }
  return [...groups.values()];
}

/** A readable path: each step with its increment, routing and logic totals. */
export function formatPath(steps: PathStep[]): string {
  const out: string[] = [];
  let prev = 0;
  let net = 0;
  let cell = 0;
  for (const s of steps) {
    const inc = s.kind === 'launch' ? s.at : s.at - prev;
    if (s.kind === 'net') net += inc;
    else cell += inc;
    // Carry-chain hops are zero-delay nets; print only steps that cost time or end the path.
    if (inc > 0 || s === steps[steps.length - 1]) out.push(`  ${(s.at / 1000).toFixed(2).padStart(6)}  +${(inc / 1000).toFixed(2)}  ${s.kind.padEnd(6)} ${s.pin}`);
    prev = s.at;
  }
  out.push(`  ${(cell / 1000).toFixed(2)} ns logic, ${(net / 1000).toFixed(2)} ns routing`);
  return out.join('\n');
}

export async function sdfTimingFile(path: string, periodPs: number): Promise<TimingResult> {
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  return analyse(await readSdf(rl), periodPs);
}
