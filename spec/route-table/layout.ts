// The route-table value: what the forwarding plane does with a packet whose route ID hit.
// This one definition (names, widths, offsets) is the source of the Verilog field positions
// (rtl-gen/cam reads VALID_BIT from it and prints the field table into every header), of
// the codec below that the golden model and table manager use, and of docs/route-table.md.

/** Smallest value width: the fixed fields below plus a 16-bit argument. */
export const MIN_VALUE_WIDTH = 32;
export const MAX_VALUE_WIDTH = 256;
export const DEFAULT_VALUE_WIDTH = 64;

/** Width of the output port number: up to 256 ports per node. */
export const PORT_BITS = 8;
/** Bits 7:3 are reserved (written as zero) so the port starts on a byte boundary. */
export const RESERVED_BITS = 5;

export interface ValueField {
  readonly name: 'valid' | 'local' | 'qos' | 'reserved' | 'port' | 'counter' | 'arg';
  readonly offset: number;
  readonly width: number;
  readonly doc: string;
}

export interface ValueLayout {
  readonly width: number;
  /** Fields from bit 0 upwards, covering every bit exactly once. */
  readonly fields: readonly ValueField[];
}

/** Bit of the value that says the slot holds a route; the hardware matches only when it is 1. */
export const VALID_BIT = 0;

/** Widest per-rule counter index a value can carry (the forwarding plane uses 12: 4,096 counters). */
export const MAX_COUNTER_BITS = 16;

/**
 * The value layout of a `width`-bit table. `counterBits` > 0 adds a `counter` field after
 * `port`: the index of the rule's traffic counter in the forwarding plane (chosen by the host,
 * so a cuckoo move of the route to another slot keeps its counter), leaving `arg` the bits above.
 */
export function valueLayout(width: number = DEFAULT_VALUE_WIDTH, opts: { counterBits?: number } = {}): ValueLayout {
  if (!Number.isInteger(width) || width < MIN_VALUE_WIDTH || width > MAX_VALUE_WIDTH) {
    throw new RangeError(`value width ${width} must be an integer from ${MIN_VALUE_WIDTH} to ${MAX_VALUE_WIDTH}`);
  }
  const counterBits = opts.counterBits ?? 0;
  if (!Number.isInteger(counterBits) || counterBits < 0 || counterBits > MAX_COUNTER_BITS || width - 16 - counterBits < 16) {
    throw new RangeError(`counter index of ${counterBits} bits does not fit a ${width}-bit value (0 to ${MAX_COUNTER_BITS} bits, leaving at least 16 for arg)`);
  }
  const fields: ValueField[] = [];
  let at = 0;
  const add = (name: ValueField['name'], w: number, doc: string): void => {
    fields.push({ name, offset: at, width: w, doc });
    at += w;
  };
  add('valid', 1, 'the slot holds a route; lookups match only valid slots (0 = empty or deleted)');
  add('local', 1, '0: forward to `port` with the route ID rewritten to `arg`; 1: deliver locally to channel `arg`');
  add('qos', 1, 'QoS class: 1 = priority queue, 0 = bulk');
  add('reserved', RESERVED_BITS, 'zero');
  add('port', PORT_BITS, 'output port when forwarding; zero when local');
  if (counterBits > 0) add('counter', counterBits, "index of the rule's traffic counter (bytes and packets) in the forwarding plane");
  add('arg', width - at, 'next route ID when forwarding, local channel number when local');
  if (fields[0]!.offset !== VALID_BIT) throw new Error('layout: valid must be bit 0');
  return { width, fields };
}

export function field(layout: ValueLayout, name: ValueField['name']): ValueField {
  const f = layout.fields.find((x) => x.name === name);
  if (!f) throw new Error(`layout has no field ${name}`);
  return f;
}

/** What a hit tells the forwarding plane. */
export type RouteAction =
  | { readonly kind: 'forward'; readonly port: number; readonly nextRoute: bigint; readonly qos: boolean; readonly counter?: number }
  | { readonly kind: 'local'; readonly channel: bigint; readonly qos: boolean; readonly counter?: number };

export class ValueCodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueCodecError';
  }
}

function put(layout: ValueLayout, name: ValueField['name'], v: bigint): bigint {
  const f = field(layout, name);
  if (v < 0n || v >> BigInt(f.width) !== 0n) {
    throw new ValueCodecError(`${name} = ${v} does not fit in ${f.width} bits of a ${layout.width}-bit value`);
  }
  return v << BigInt(f.offset);
}

function get(layout: ValueLayout, name: ValueField['name'], value: bigint): bigint {
  const f = field(layout, name);
  return (value >> BigInt(f.offset)) & ((1n << BigInt(f.width)) - 1n);
}

/** The stored value of a route (valid bit set). */
export function encodeAction(layout: ValueLayout, a: RouteAction): bigint {
  let v = put(layout, 'valid', 1n) | put(layout, 'qos', a.qos ? 1n : 0n);
  const hasCounter = layout.fields.some((f) => f.name === 'counter');
  if (a.counter !== undefined) {
    if (!hasCounter) throw new ValueCodecError(`a ${layout.width}-bit value of this layout has no counter field`);
    if (!Number.isInteger(a.counter)) throw new ValueCodecError(`counter ${a.counter} is not an integer`);
    v |= put(layout, 'counter', BigInt(a.counter));
  }
  if (a.kind === 'forward') {
    if (!Number.isInteger(a.port)) throw new ValueCodecError(`port ${a.port} is not an integer`);
    v |= put(layout, 'port', BigInt(a.port)) | put(layout, 'arg', a.nextRoute);
  } else {
    v |= put(layout, 'local', 1n) | put(layout, 'arg', a.channel);
  }
  return v;
}

/** The action a stored value encodes; undefined for an empty slot (valid = 0). */
export function decodeAction(layout: ValueLayout, value: bigint): RouteAction | undefined {
  if (value >> BigInt(layout.width) !== 0n || value < 0n) throw new ValueCodecError(`value 0x${value.toString(16)} is wider than ${layout.width} bits`);
  if (get(layout, 'valid', value) === 0n) return undefined;
  const qos = get(layout, 'qos', value) === 1n;
  const counter = layout.fields.some((f) => f.name === 'counter') ? { counter: Number(get(layout, 'counter', value)) } : {};
  if (get(layout, 'local', value) === 1n) return { kind: 'local', channel: get(layout, 'arg', value), qos, ...counter };
  return { kind: 'forward', port: Number(get(layout, 'port', value)), nextRoute: get(layout, 'arg', value), qos, ...counter };
}
