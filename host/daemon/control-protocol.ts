// The control protocol between the daemon and the CLI: JSON, one message per line, over a
// Unix domain socket (only local users with access to the socket file can control a node).
//
//   request   {"id": 7, "method": "status", "params": {...}}
//   event     {"id": 7, "event": {...}}          zero or more, e.g. transfer progress
//   reply     {"id": 7, "result": {...}}         exactly one of these two ends the request
//             {"id": 7, "error": "one-line reason"}
//
// Several requests may be in flight on one connection; replies carry the request's id.
// A line that is not a request gets {"id": null, "error": ...} and the connection stays up.

/** Longest line either side accepts; a control message is small, file data never goes here. */
export const MAX_CONTROL_LINE_BYTES = 1 << 20;

export interface ControlRequest {
  id: number;
  method: string;
  params: Record<string, unknown>;
}

export type ControlMessage =
  | { id: number; event: unknown }
  | { id: number; result: unknown }
  | { id: number | null; error: string };

/** Parses one request line; returns a one-line reason when it is not a request. */
export function parseRequest(line: string): ControlRequest | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'malformed request: not JSON';
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'malformed request: expected an object';
  const o = v as Record<string, unknown>;
  if (typeof o.id !== 'number' || !Number.isSafeInteger(o.id)) return 'malformed request: "id" must be an integer';
  if (typeof o.method !== 'string' || !o.method) return 'malformed request: "method" must be a string';
  const params = o.params ?? {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return 'malformed request: "params" must be an object';
  return { id: o.id, method: o.method, params: params as Record<string, unknown> };
}

/** Parses one line from the daemon; null when it is not a control message. */
export function parseMessage(line: string): ControlMessage | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (!(typeof o.id === 'number' || o.id === null)) return null;
  if ('error' in o && typeof o.error === 'string') return { id: o.id as number | null, error: o.error };
  if (o.id === null) return null;
  if ('result' in o) return { id: o.id, result: o.result };
  if ('event' in o) return { id: o.id, event: o.event };
  return null;
}

/**
 * Splits a byte stream into lines, refusing overlong ones (a peer that never sends a newline
 * must not make us buffer without bound).
 */
export class LineSplitter {
  private buf = '';

  push(chunk: string): string[] | 'tooLong' {
    this.buf += chunk;
    const lines = this.buf.split('\n');
    this.buf = lines.pop()!;
    if (this.buf.length > MAX_CONTROL_LINE_BYTES || lines.some((l) => l.length > MAX_CONTROL_LINE_BYTES)) return 'tooLong';
    return lines.filter((l) => l.trim().length > 0);
  }
}

/** Turns any thrown value into the one-line reason a reply carries (never a stack). */
export function reasonOf(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0];
}
