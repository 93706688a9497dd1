// Counters for everything a link does or refuses. Bad input only ever increments one of these.
import { FRAME_REJECTS } from '../../spec/link-wire.ts';
import type { FrameReject } from './frame.ts';
import type { HandshakeReject } from './handshake.ts';

export type RejectReason =
  | FrameReject
  | HandshakeReject
  /** A rekey message with a bad size or an out-of-sequence generation. */
  | 'badRekey'
  /** An authenticated inner message of a type we do not know. */
  | 'unknownInner'
  /** A transport frame arrived before any session exists. */
  | 'noSession';

export interface LinkStats {
  txFrames: number;
  txBytes: number;
  rxFrames: number;
  delivered: number;
  deliveredBytes: number;
  /** App sends refused: no session yet, or counters exhausted before a rotation finished. */
  txDropped: number;
  handshakesSent: number;
  handshakesCompleted: number;
  handshakeRetransmits: number;
  rotations: number;
  rekeyRetransmits: number;
  keepalivesSent: number;
  /** Responder under load: Inits answered with a cookie reply instead of a signature check. */
  cookieRepliesSent: number;
  /** Initiator: cookie replies that opened (the responder was under load). */
  cookiesReceived: number;
  rejected: Record<RejectReason, number>;
}

export const REJECT_REASONS: readonly RejectReason[] = [
  ...FRAME_REJECTS,
  'hsMalformed', 'hsUnexpectedKey', 'hsBadSignature', 'hsBadPoint', 'hsReplay', 'hsUnknownReceiver',
  'hsBadMac', 'hsUnderLoad', 'hsRateLimited', 'hsBadCookie',
  'badRekey', 'unknownInner', 'noSession',
];

export function newLinkStats(): LinkStats {
  return {
    txFrames: 0,
    txBytes: 0,
    rxFrames: 0,
    delivered: 0,
    deliveredBytes: 0,
    txDropped: 0,
    handshakesSent: 0,
    handshakesCompleted: 0,
    handshakeRetransmits: 0,
    rotations: 0,
    rekeyRetransmits: 0,
    keepalivesSent: 0,
    cookieRepliesSent: 0,
    cookiesReceived: 0,
    rejected: Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>,
  };
}

export function totalRejected(s: LinkStats): number {
  return Object.values(s.rejected).reduce((a, b) => a + b, 0);
}
