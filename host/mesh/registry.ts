// Services by channel. A service is a channel, one codec for its message type (usually a
// tagged union) and one handler. Dispatch never throws: an unknown channel, a message the
// codec rejects, and a handler that throws are each counted and the message dropped.
import type { ServiceContext, ServiceDefinition } from './api.ts';
import { MAX_CHANNEL } from '../../spec/route-wire.ts';

export interface DispatchCounters {
  unknownChannel: number;
  malformed: number;
  handlerErrors: number;
}

type AnyService = ServiceDefinition<unknown>;

export class ServiceRegistry {
  private readonly byChannel = new Map<number, AnyService>();
  /** The last error a handler threw, kept for diagnosis (status, logs); never rethrown. */
  lastHandlerError: unknown;

  constructor(private readonly counters: DispatchCounters) {}

  /** Binds a service on a channel at or above `firstAllowed` (the daemon registers its own on channel 0). */
  register<T>(service: ServiceDefinition<T>, firstAllowed: number): void {
    const c = service.channel;
    if (!Number.isInteger(c) || c < firstAllowed || c > MAX_CHANNEL) throw new RangeError(`service ${service.name}: channel ${c} must be in [${firstAllowed}, ${MAX_CHANNEL}]`);
    const taken = this.byChannel.get(c);
    if (taken) throw new Error(`channel ${c} is already taken by service ${taken.name}`);
    this.byChannel.set(c, service as AnyService);
  }

  has(channel: number): boolean {
    return this.byChannel.has(channel);
  }

  names(): string[] {
    return [...this.byChannel.values()].map((s) => s.name);
  }

  dispatch(channel: number, payload: Uint8Array, ctx: ServiceContext): void {
    const s = this.byChannel.get(channel);
    if (!s) {
      this.counters.unknownChannel++;
      return;
    }
    let message: unknown;
    try {
      message = s.codec.decode(payload);
    } catch {
      message = undefined; // a codec that throws is treated as one that rejected the bytes
    }
    if (message === undefined) {
      this.counters.malformed++;
      return;
    }
    try {
      s.handle(message, ctx);
    } catch (e) {
      this.counters.handlerErrors++;
      this.lastHandlerError = e;
    }
  }
}
