// One link to one neighbour: handshake, key rotation and the transport datapath glue.
//
// Pure state machine. Events come in as method calls carrying the current time
// (`receive`, `send`, `tick`); effects go out through `LinkIo` (datagrams to transmit,
// payloads to deliver) and the key sink. No sockets, no timers, no clock of its own.
//
// Rotation (the handshake initiator leads; generation g -> g+1):
//   leader   --RekeyInit(g+1, E_i)-- under key g -->  follower: computes keys g+1, installs
//                                                     rx(g+1) and tx(g+1) as "next"
//   leader  <--RekeyResp(g+1, E_r)-- under key g ---  follower
//   leader: computes keys g+1, installs rx(g+1), switches tx to g+1 (the follower has
//           confirmed it holds the receive key), sends a keepalive under g+1
//   follower: first frame under g+1 = confirmation; switches tx to g+1
//   both: the old receive key is retired after the drain time (a few RTTs).
// keys(g+1) = HKDF(ECDH(e_i, e_r), salt = chain(g)): the previous key is hashed into the new one.
import type { CryptoBackend } from '../crypto/backend.ts';
import { generateKeyPair, type KeyPair } from '../crypto/ecdh.ts';
import { deriveRotationKeys, type DirectionalKeys } from '../crypto/kdf.ts';
import {
  COOKIE_HANDSHAKE_BURST,
  COOKIE_HANDSHAKE_RATE_PER_SEC,
  COOKIE_REPLY_BURST,
  COOKIE_REPLY_RATE_PER_SEC,
  COOKIE_SECRET_MS,
  DRAIN_RTT_MULTIPLE,
  HANDSHAKE_BURST,
  HANDSHAKE_RATE_PER_SEC,
  LINK_RTO,
  MAX_GENERATION,
  MAX_HANDSHAKE_RETRIES,
  MAX_REKEY_RETRIES,
  MIN_DRAIN_MS,
  REJECT_AFTER_INTERVALS,
  REKEY_MAX_RTO_MS,
  UNDER_LOAD_MS,
} from './constants.ts';
import { InnerType, MAX_PAYLOAD_BYTES, MessageType, PROTOCOL_VERSION } from '../../spec/link-wire.ts';
import { CookieJar, cookieReplyReceiver, openCookieReply } from './cookie.ts';
import { resolveLinkConfig, type LinkConfig, type ResolvedLinkConfig } from './config.ts';
import type { Datapath } from './datapath.ts';
import { readFrameHeader } from './frame.ts';
import { buildInit, buildResp, handshakeKeys, initMac1Valid, mac1Key, parseInit, parseResp, verifyInit, verifyResp, INIT_OFFSET } from './handshake.ts';
import { TeeKeySink, type KeySink } from './key-sink.ts';
import type { KeyDirection } from '../../spec/key-slots.ts';
import { decodeRekey, encodeRekey, encodeRekeyRequest } from './rekey.ts';
import { RttEstimator } from './rtt.ts';
import { newLinkStats, type LinkStats, type RejectReason } from './stats.ts';
import { TokenBucket } from './token-bucket.ts';
import { equalBytes } from '../../spec/bytes.ts';

export interface LinkIo {
  /** Put one datagram on the wire to the neighbour. */
  transmit(datagram: Uint8Array): void;
  /** Hand one authenticated, decrypted application payload up the stack. */
  deliver(payload: Uint8Array): void;
}

export type LinkState = 'idle' | 'handshaking' | 'awaitingConfirm' | 'established';

interface PendingHandshake {
  ephemeral: KeyPair;
  sender: number;
  /** Every Init sent in this attempt (each re-signed with a fresh timestamp); newest last. */
  inits: Uint8Array[];
  firstSentAt: number;
  deadline: number;
  rto: number;
  retries: number;
}

interface Session {
  localId: number;
  remoteId: number;
  leader: boolean;
  /** Highest generation whose keys both sides have agreed (or, for the follower, computed). */
  gen: number;
  /** Chain key of generation `gen`: salt for the next rotation. */
  chain: Uint8Array;
  /** Current transmit generation; -1 until the responder's first confirmation. */
  txGen: number;
  /** Newest receive generation the peer has used; -1 before the first frame. */
  rxGen: number;
  /** Older receive generations still accepted, and when they are retired. */
  draining: Array<{ gen: number; until: number }>;
  /** When `gen` was agreed (interval timer and expiry both count from here). */
  agreedAt: number;
  /** Responder: the initiator's handshake ephemeral, naming the attempt this session answers. */
  initEphemeral?: Uint8Array;
}

interface LeaderRekey {
  gen: number;
  retries: number;
  ephemeral: KeyPair;
  payload: Uint8Array;
  sentAt: number;
  retransmitted: boolean;
  deadline: number;
  rto: number;
}

interface FollowerRekey {
  gen: number;
  initiatorEphemeral: Uint8Array;
  payload: Uint8Array;
  sentAt: number;
  retransmitted: boolean;
}

function u32(random: (n: number) => Uint8Array): number {
  const b = random(4);
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

const EMPTY = new Uint8Array(0);

export class Link {
  readonly config: ResolvedLinkConfig;
  readonly stats: LinkStats = newLinkStats();
  private readonly backend: CryptoBackend;
  private readonly sink: KeySink;
  private readonly wallClockMs: () => number;

  private pending: PendingHandshake | null = null;
  private session: Session | null = null;
  /** When a frame from the peer last authenticated: proof that the peer still holds the session. */
  private lastPeerFrameAt = -Infinity;
  /** When we last sent a transport frame (the idle keepalive counts from here). */
  private lastTxAt = -Infinity;
  /** When the transport last saw datagrams dropped for overload (noteOverload). */
  private lastOverloadAt = -Infinity;
  private leaderRekey: LeaderRekey | null = null;
  private followerRekey: FollowerRekey | null = null;
  /** Responder: our HandshakeResp, repeated when the same Init attempt arrives again. */
  private cachedResp: Uint8Array | null = null;
  /** Leader: generation whose confirmation keepalive we keep repeating until the follower uses it. */
  private confirmGen = -1;
  private confirmDeadline = Infinity;
  /** Follower asked for an early rotation (its counters are running out). */
  private rotateRequested = false;
  private requestDeadline = -Infinity;
  /** Responder: the newest handshake timestamp accepted from the peer (replay protection). */
  private lastInitTimestamp = -1;
  /** Initiator: the last timestamp used, kept strictly increasing. */
  private lastOwnTimestamp = 0;

  // Handshakes under load (a flood of forged Inits must not cost a core): signature checks per
  // second are budgeted; when the budget runs dry the responder answers Inits without a valid
  // cookie with a cookie reply instead of checking them (cookie.ts).
  private readonly hsBudget = new TokenBucket(HANDSHAKE_RATE_PER_SEC, HANDSHAKE_BURST, 0);
  private readonly provenBudget = new TokenBucket(COOKIE_HANDSHAKE_RATE_PER_SEC, COOKIE_HANDSHAKE_BURST, 0);
  private readonly cookieBudget = new TokenBucket(COOKIE_REPLY_RATE_PER_SEC, COOKIE_REPLY_BURST, 0);
  private underLoadUntil = -Infinity;
  /** Responder: mac1's key for Inits made for us. */
  private readonly ownMac1Key: Uint8Array;
  private cookieJar: CookieJar | undefined;
  /** Initiator: the responder's latest cookie, used for mac2 while it is fresh. */
  private cookie: { value: Uint8Array; at: number } | undefined;
  private lastCookieResendAt = -Infinity;

  private readonly rtt = new RttEstimator(LINK_RTO);

  constructor(
    config: LinkConfig & { wallClockMs?: () => number },
    private readonly datapath: Datapath,
    private readonly io: LinkIo,
    observer?: KeySink,
  ) {
    this.config = resolveLinkConfig(config);
    this.backend = this.config.backend;
    this.sink = observer ? new TeeKeySink([datapath, observer]) : datapath;
    this.wallClockMs = config.wallClockMs ?? Date.now;
    this.ownMac1Key = mac1Key(this.config.identity.publicKey);
  }

  /**
   * The transport saw datagrams dropped for overload (a full receive buffer): silence from the
   * peer is no proof that it lost the session, so an unanswered rotation does not end it.
   */
  noteOverload(now: number): void {
    this.lastOverloadAt = now;
  }

  /** True while handshakes need a cookie before their signature is checked. */
  underLoad(now: number): boolean {
    return now < this.underLoadUntil;
  }

  // ---- public surface --------------------------------------------------------------

  get state(): LinkState {
    if (!this.session) return this.pending ? 'handshaking' : 'idle';
    return this.session.txGen < 0 ? 'awaitingConfirm' : 'established';
  }

  /**
   * The session's IDs: `local` is the receiver field of frames the peer sends us, `remote` that of
   * frames we send. A forwarding plane that takes over the datapath needs both.
   */
  get sessionIds(): { local: number; remote: number } | undefined {
    return this.session ? { local: this.session.localId, remote: this.session.remoteId } : undefined;
  }

  /** Current transmit generation (-1 when none). */
  get generation(): number {
    return this.session?.txGen ?? -1;
  }

  get smoothedRttMs(): number | undefined {
    return this.rtt.srtt;
  }

  /**
   * Rotation messages are resent at least this often: REKEY_MAX_RTO_MS, or 2 x RTT on a slower
   * path. Before any RTT sample the backoff is left alone: it is what lets a first rotation over a
   * slow path go unrepeated and measure it.
   */
  private get rekeyMaxRto(): number {
    const srtt = this.rtt.srtt;
    return srtt === undefined ? LINK_RTO.maxMs : Math.max(REKEY_MAX_RTO_MS, 2 * srtt);
  }

  /** Rotation period in force: the configured interval, or 2 x RTT when that is longer. */
  get effectiveIntervalMs(): number {
    return Math.max(this.config.rotationIntervalMs, 2 * (this.rtt.srtt ?? 0));
  }

  /** Initiator: start dialling (no-op when already connected or dialling). */
  start(now: number): void {
    if (this.config.role === 'initiator' && !this.session && !this.pending) this.beginHandshake(now);
  }

  /** Sends one application payload. Returns false (and counts it) when it cannot. */
  send(payload: Uint8Array, now: number): boolean {
    const s = this.session;
    if (!s || s.txGen < 0 || payload.length > MAX_PAYLOAD_BYTES) {
      this.stats.txDropped++;
      return false;
    }
    this.lastTxAt = now;
    return this.sendInner(InnerType.Data, payload);
  }

  /**
   * Handles one datagram from the neighbour. Never throws on bad input. `source` names where it
   * came from (the transport's address): cookies are bound to it.
   */
  receive(datagram: Uint8Array, now: number, source = 'peer'): void {
    if (datagram.length < 2 || datagram[0] !== PROTOCOL_VERSION) return this.reject(datagram.length < 2 ? 'truncated' : 'badVersion');
    switch (datagram[1]) {
      case MessageType.Transport:
        return this.onTransport(datagram, now);
      case MessageType.HandshakeInit:
        return this.config.role === 'responder' ? this.onInit(datagram, now, source) : this.reject('badType');
      case MessageType.HandshakeResp:
        return this.config.role === 'initiator' ? this.onResp(datagram, now) : this.reject('badType');
      case MessageType.CookieReply:
        return this.config.role === 'initiator' ? this.onCookieReply(datagram, now) : this.reject('badType');
      default:
        return this.reject('badType');
    }
  }

  /** Runs the timers. Call at least every few ms, or at `nextDeadline()`. */
  tick(now: number): void {
    const p = this.pending;
    if (p && now >= p.deadline) this.retransmitInit(now);
    const s = this.session;
    if (!s) return;
    // Retire drained receive keys.
    if (s.draining.length && s.draining[0].until <= now) {
      s.draining = s.draining.filter((d) => {
        if (d.until > now) return true;
        this.retire('rx', d.gen);
        return false;
      });
    }
    // A session that cannot rotate for too long is dead: start over.
    if (now - s.agreedAt > REJECT_AFTER_INTERVALS * this.effectiveIntervalMs) {
      this.teardown();
      this.start(now);
      return;
    }
    if (s.leader) {
      const r = this.leaderRekey;
      if (r) {
        if (now >= r.deadline && r.retries >= MAX_REKEY_RETRIES) {
          if (this.lastPeerFrameAt <= r.sentAt && this.lastOverloadAt <= r.sentAt) {
            // Nothing authentic from the follower since the rotation began: it may have restarted
            // and lost the session. Start over. (Not while our socket dropped datagrams for
            // overload meanwhile: the follower's answers may be among them.)
            this.teardown();
            this.start(now);
            return;
          }
          // The follower still sends under the current key, so it holds the session and the
          // rotation messages were lost (heavy loss): keep trying at the capped backoff rather
          // than tear a working link down. REJECT_AFTER_INTERVALS still bounds the key's age.
          r.retries = 0;
        }
        if (now >= r.deadline) {
          r.retries++;
          r.retransmitted = true;
          r.rto = Math.min(r.rto * 2, this.rekeyMaxRto);
          this.rtt.backOff(r.rto);
          r.deadline = now + r.rto;
          this.stats.rekeyRetransmits++;
          this.sendInner(InnerType.RekeyInit, r.payload);
        }
      } else if (s.txGen >= 0 && this.rotationDue(s, now)) {
        this.beginRotation(now);
      }
      if (this.confirmGen >= 0 && now >= this.confirmDeadline) {
        this.confirmDeadline = now + this.rtt.rto;
        this.sendKeepalive();
      }
    } else if (s.txGen >= 0 && this.datapath.txCounter(this.config.linkId) >= this.config.rekeyAfterFrames && now >= this.requestDeadline) {
      this.requestDeadline = now + this.rtt.rto;
      this.sendInner(InnerType.RekeyRequest, encodeRekeyRequest(s.gen));
    }
    const idle = this.config.idleKeepaliveMs;
    if (idle > 0 && s.txGen >= 0 && now >= this.lastTxAt + idle) {
      this.lastTxAt = now;
      this.sendKeepalive();
    }
  }

  /** Earliest time at which `tick` has something to do (Infinity when nothing is pending). */
  nextDeadline(): number {
    let t = this.pending?.deadline ?? Infinity;
    const s = this.session;
    if (s) {
      if (s.draining.length) t = Math.min(t, s.draining[0].until);
      t = Math.min(t, s.agreedAt + REJECT_AFTER_INTERVALS * this.effectiveIntervalMs);
      if (s.leader) {
        if (this.leaderRekey) t = Math.min(t, this.leaderRekey.deadline);
        else if (s.txGen >= 0) t = Math.min(t, s.agreedAt + this.effectiveIntervalMs);
        if (this.confirmGen >= 0) t = Math.min(t, this.confirmDeadline);
      }
      if (this.config.idleKeepaliveMs > 0 && s.txGen >= 0) t = Math.min(t, this.lastTxAt + this.config.idleKeepaliveMs);
    }
    return t;
  }

  // ---- handshake -------------------------------------------------------------------

  private nextTimestamp(): number {
    this.lastOwnTimestamp = Math.max(this.lastOwnTimestamp + 1, Math.floor(this.wallClockMs() * 1000));
    return this.lastOwnTimestamp;
  }

  private beginHandshake(now: number): void {
    const ephemeral = generateKeyPair(this.backend.ecdh, this.config.random);
    const sender = u32(this.config.random);
    this.pending = { ephemeral, sender, inits: [], firstSentAt: now, deadline: now + this.rtt.rto, rto: this.rtt.rto, retries: 0 };
    this.sendInit(now);
  }

  private sendInit(now: number): void {
    const p = this.pending!;
    const cookie = this.cookie && now - this.cookie.at < COOKIE_SECRET_MS ? this.cookie.value : undefined;
    const init = buildInit({
      identity: this.config.identity,
      responderStatic: this.config.peerPublicKey,
      sender: p.sender,
      timestamp: this.nextTimestamp(),
      ephemeralPublic: p.ephemeral.publicKey,
      cookie,
    });
    p.inits.push(init);
    this.stats.handshakesSent++;
    this.io.transmit(init);
  }

  private retransmitInit(now: number): void {
    const p = this.pending!;
    if (p.retries >= MAX_HANDSHAKE_RETRIES) {
      // Start a fresh attempt (new ephemeral key), still backing off.
      const rto = p.rto;
      this.pending = null;
      this.beginHandshake(now);
      this.pending!.rto = rto;
      this.pending!.deadline = now + rto;
      return;
    }
    p.retries++;
    p.rto = Math.min(p.rto * 2, LINK_RTO.maxMs);
    this.rtt.backOff(p.rto);
    p.deadline = now + p.rto;
    this.stats.handshakeRetransmits++;
    this.sendInit(now);
  }

  /**
   * Before any signature check, in order of cost: the Init's form, mac1 (made for us), the
   * expected key, a timestamp above the last accepted one (a replay costs nothing), then the
   * handshake budget: under load only Inits with a valid cookie are checked, the others get a
   * cookie reply (when the reply budget allows).
   */
  private admitInit(init: Exclude<ReturnType<typeof parseInit>, string>, now: number, source: string): RejectReason | null {
    if (!initMac1Valid(init, this.ownMac1Key)) return 'hsBadMac';
    if (!equalBytes(init.staticKey, this.config.peerPublicKey)) return 'hsUnexpectedKey';
    if (init.timestamp <= this.lastInitTimestamp) return 'hsReplay';
    if (!this.underLoad(now) && this.hsBudget.take(now)) return null;
    this.cookieJar ??= new CookieJar(this.config.identity.publicKey, now, this.config.random);
    if (this.cookieJar.mac2Valid(init, source, now)) return this.provenBudget.take(now) ? null : 'hsRateLimited';
    // The budget ran dry: under load until Inits without a cookie stop coming for a while, so
    // a sustained flood gets no signature checks at all once the burst is spent.
    this.underLoadUntil = now + UNDER_LOAD_MS;
    if (this.cookieBudget.take(now)) {
      this.stats.cookieRepliesSent++;
      this.io.transmit(this.cookieJar.reply(init, source, now));
    }
    return 'hsUnderLoad';
  }

  private onInit(bytes: Uint8Array, now: number, source: string): void {
    const init = parseInit(bytes);
    if (typeof init === 'string') return this.reject(init);
    const refused = this.admitInit(init, now, source);
    if (refused) return this.reject(refused);
    const bad = verifyInit(init, this.config.peerPublicKey, this.config.identity.publicKey);
    if (bad) return this.reject(bad);
    const cur = this.session;
    if (cur && init.sender === cur.remoteId && cur.initEphemeral && equalBytes(init.ephemeral, cur.initEphemeral)) {
      // A retransmission of the attempt this session already answers (same ephemeral key).
      this.lastInitTimestamp = init.timestamp;
      if (cur.txGen >= 0 || !this.cachedResp) return this.reject('hsReplay'); // late: already confirmed
      // Our Resp was lost or is late: answer again with the same Resp (same keys) rather than
      // starting a competing session.
      if (this.followerRekey) this.followerRekey.retransmitted = true;
      this.io.transmit(this.cachedResp);
      return;
    }
    const ephemeral = generateKeyPair(this.backend.ecdh, this.config.random);
    const shared = this.backend.ecdh.sharedSecret(ephemeral.secretKey, init.ephemeral);
    if (!shared) return this.reject('hsBadPoint');
    this.lastInitTimestamp = init.timestamp;
    // An authenticated, fresh Init replaces whatever session we had (the peer restarted).
    this.teardown();
    const localId = u32(this.config.random);
    const resp = buildResp({ identity: this.config.identity, init: bytes, sender: localId, receiver: init.sender, ephemeralPublic: ephemeral.publicKey });
    const keys = handshakeKeys(shared, bytes, resp);
    this.session = {
      localId, remoteId: init.sender, leader: false, gen: 0, chain: keys.chain, txGen: -1, rxGen: -1, draining: [], agreedAt: now,
      initEphemeral: Uint8Array.from(init.ephemeral),
    };
    this.publish('rx', 0, keys.i2r, 'next');
    this.publish('tx', 0, keys.r2i, 'next');
    this.followerRekey = { gen: 0, initiatorEphemeral: Uint8Array.from(init.ephemeral), payload: EMPTY, sentAt: now, retransmitted: false };
    this.cachedResp = resp;
    this.io.transmit(resp);
  }

  /** A responder under load sent a cookie: keep it and try again at once with mac2. */
  private onCookieReply(bytes: Uint8Array, now: number): void {
    const receiver = cookieReplyReceiver(bytes);
    if (typeof receiver === 'string') return this.reject(receiver);
    const p = this.pending;
    if (!p || receiver !== p.sender) return this.reject('hsUnknownReceiver');
    // It answers one of our recent Inits (its aad is that Init's mac1).
    let cookie: Uint8Array | null = null;
    for (let i = p.inits.length - 1; i >= Math.max(0, p.inits.length - 3) && !cookie; i--) {
      cookie = openCookieReply(bytes, this.config.peerPublicKey, p.inits[i].subarray(INIT_OFFSET.mac1, INIT_OFFSET.mac2));
    }
    if (!cookie) return this.reject('hsBadCookie');
    this.stats.cookiesReceived++;
    this.cookie = { value: cookie, at: now };
    // One immediate retry per round trip or so; the retransmission timer stays as it was.
    if (now - this.lastCookieResendAt < Math.max(20, (this.rtt.srtt ?? 0) / 2)) return;
    this.lastCookieResendAt = now;
    this.sendInit(now);
  }

  private onResp(bytes: Uint8Array, now: number): void {
    const p = this.pending;
    const resp = parseResp(bytes);
    if (typeof resp === 'string') return this.reject(resp);
    if (!p || resp.receiver !== p.sender) return this.reject('hsUnknownReceiver');
    // Only an on-path attacker knows our session id; it still may not cost us more than the budget.
    if (!this.hsBudget.take(now)) return this.reject('hsRateLimited');
    // The response signs one of our Inits (a late answer to an earlier retransmission is fine).
    let init: Uint8Array | undefined;
    let bad: ReturnType<typeof verifyResp> = 'hsBadSignature';
    for (let i = p.inits.length - 1; i >= 0 && bad; i--) {
      bad = verifyResp(resp, p.inits[i], this.config.peerPublicKey);
      if (!bad) init = p.inits[i];
      else if (bad !== 'hsBadSignature') break;
    }
    if (bad || !init) return this.reject(bad ?? 'hsBadSignature');
    const shared = this.backend.ecdh.sharedSecret(p.ephemeral.secretKey, resp.ephemeral);
    if (!shared) return this.reject('hsBadPoint');
    const keys = handshakeKeys(shared, init, bytes);
    if (p.retries === 0) this.rtt.sample(now - p.firstSentAt);
    this.pending = null;
    this.teardown();
    this.session = { localId: p.sender, remoteId: resp.sender, leader: true, gen: 0, chain: keys.chain, txGen: 0, rxGen: -1, draining: [], agreedAt: now };
    this.publish('rx', 0, keys.r2i, 'next');
    this.publish('tx', 0, keys.i2r, 'current');
    this.stats.handshakesCompleted++;
    this.confirmGen = 0;
    this.confirmDeadline = now + this.rtt.rto;
    this.sendKeepalive();
  }

  // ---- transport -------------------------------------------------------------------

  private onTransport(frame: Uint8Array, now: number): void {
    const header = readFrameHeader(frame);
    if (typeof header === 'string') return this.reject(header);
    const s = this.session;
    if (!s) return this.reject('noSession');
    if (header.receiver !== s.localId) return this.reject('wrongPeer');
    const opened = this.datapath.open(this.config.linkId, frame, header);
    if (typeof opened === 'string') return this.reject(opened);
    this.stats.rxFrames++;
    this.lastPeerFrameAt = now;
    if (opened.generation > s.rxGen) this.peerSwitched(s, opened.generation, now);
    switch (opened.innerType) {
      case InnerType.Data:
        this.stats.delivered++;
        this.stats.deliveredBytes += opened.payload.length;
        this.io.deliver(opened.payload);
        return;
      case InnerType.Keepalive:
        return;
      case InnerType.RekeyInit:
        return s.leader ? this.reject('badRekey') : this.onRekeyInit(s, opened.payload, now);
      case InnerType.RekeyResp:
        return s.leader ? this.onRekeyResp(s, opened.payload, now) : this.reject('badRekey');
      case InnerType.RekeyRequest:
        if (s.leader) this.rotateRequested = true;
        else this.reject('badRekey');
        return;
      default:
        return this.reject('unknownInner');
    }
  }

  /** The peer sent under a newer generation: it holds our matching key (confirmation). */
  private peerSwitched(s: Session, gen: number, now: number): void {
    if (s.rxGen >= 0) s.draining.push({ gen: s.rxGen, until: now + this.drainMs() });
    s.rxGen = gen;
    this.publish('rx', gen, undefined, 'current');
    if (s.leader) {
      if (gen >= this.confirmGen) {
        this.confirmGen = -1;
        this.confirmDeadline = Infinity;
      }
      return;
    }
    // Follower: the leader's first frame under `gen` confirms our receive key; switch transmit.
    if (gen === s.gen && s.txGen < gen) {
      const old = s.txGen;
      this.publish('tx', gen, undefined, 'current');
      if (old >= 0) this.retire('tx', old);
      s.txGen = gen;
      const fr = this.followerRekey;
      if (fr && fr.gen === gen && !fr.retransmitted) this.rtt.sample(now - fr.sentAt);
      if (old < 0) {
        this.stats.handshakesCompleted++;
        this.cachedResp = null;
      } else this.stats.rotations++;
      // Tell the leader at once that we switched, so it can retire its old receive key
      // on time even when we have no data to send.
      this.sendKeepalive();
    }
  }

  private sendInner(type: InnerType, payload: Uint8Array): boolean {
    const s = this.session!;
    const frame = this.datapath.seal(this.config.linkId, s.remoteId, type, payload, this.config.padBytes);
    if (typeof frame === 'string') {
      this.stats.txDropped++;
      return false;
    }
    this.stats.txFrames++;
    this.stats.txBytes += frame.length;
    this.io.transmit(frame);
    return true;
  }

  private sendKeepalive(): void {
    this.stats.keepalivesSent++;
    this.sendInner(InnerType.Keepalive, EMPTY);
  }

  // ---- rotation --------------------------------------------------------------------

  private rotationDue(s: Session, now: number): boolean {
    if (this.rotateRequested) return true;
    if (now - s.agreedAt >= this.effectiveIntervalMs) return true;
    return this.datapath.txCounter(this.config.linkId) >= this.config.rekeyAfterFrames;
  }

  private beginRotation(now: number): void {
    const s = this.session!;
    if (s.gen >= MAX_GENERATION) {
      // Generations are u32 on the wire; after 2^32 - 1 rotations a new handshake starts over at 0.
      this.teardown();
      this.start(now);
      return;
    }
    const ephemeral = generateKeyPair(this.backend.ecdh, this.config.random);
    const gen = s.gen + 1;
    const payload = encodeRekey(gen, ephemeral.publicKey);
    this.rotateRequested = false;
    const rto = Math.min(this.rtt.rto, this.rekeyMaxRto);
    this.leaderRekey = { gen, retries: 0, ephemeral, payload, sentAt: now, retransmitted: false, deadline: now + rto, rto };
    this.sendInner(InnerType.RekeyInit, payload);
  }

  private onRekeyInit(s: Session, payload: Uint8Array, now: number): void {
    const m = decodeRekey(payload);
    if (!m) return this.reject('badRekey');
    const fr = this.followerRekey;
    if (m.generation === s.gen && fr && fr.gen === m.generation && fr.payload.length && equalBytes(fr.initiatorEphemeral, m.ephemeral)) {
      // Our response was lost: repeat it (same ephemeral, same keys).
      fr.retransmitted = true;
      this.stats.rekeyRetransmits++;
      this.sendInner(InnerType.RekeyResp, fr.payload);
      return;
    }
    if (m.generation !== s.gen + 1 || s.txGen !== s.gen) return this.reject('badRekey');
    const ephemeral = generateKeyPair(this.backend.ecdh, this.config.random);
    const shared = this.backend.ecdh.sharedSecret(ephemeral.secretKey, m.ephemeral);
    if (!shared) return this.reject('badRekey');
    const keys = deriveRotationKeys(s.chain, shared, m.generation, m.ephemeral, ephemeral.publicKey);
    this.agree(s, m.generation, keys, now);
    this.publish('rx', m.generation, keys.i2r, 'next');
    this.publish('tx', m.generation, keys.r2i, 'next');
    const resp = encodeRekey(m.generation, ephemeral.publicKey);
    this.followerRekey = { gen: m.generation, initiatorEphemeral: Uint8Array.from(m.ephemeral), payload: resp, sentAt: now, retransmitted: false };
    this.sendInner(InnerType.RekeyResp, resp);
  }

  private onRekeyResp(s: Session, payload: Uint8Array, now: number): void {
    const m = decodeRekey(payload);
    if (!m) return this.reject('badRekey');
    const r = this.leaderRekey;
    if (!r || m.generation !== r.gen) {
      // A duplicate answer to a rotation that already completed is harmless; anything else is not.
      if (m.generation <= s.gen) return;
      return this.reject('badRekey');
    }
    const shared = this.backend.ecdh.sharedSecret(r.ephemeral.secretKey, m.ephemeral);
    if (!shared) return this.reject('badRekey');
    const keys = deriveRotationKeys(s.chain, shared, r.gen, r.ephemeral.publicKey, m.ephemeral);
    if (!r.retransmitted) this.rtt.sample(now - r.sentAt);
    this.leaderRekey = null;
    this.agree(s, r.gen, keys, now);
    this.publish('rx', r.gen, keys.r2i, 'next');
    const old = s.txGen;
    this.publish('tx', r.gen, keys.i2r, 'current');
    this.retire('tx', old);
    s.txGen = r.gen;
    this.stats.rotations++;
    this.confirmGen = r.gen;
    this.confirmDeadline = now + this.rtt.rto;
    this.sendKeepalive();
  }

  /** Both roles: generation `gen` is agreed. Frees receive slots so at most two stay live. */
  private agree(s: Session, gen: number, keys: DirectionalKeys, now: number): void {
    for (const d of s.draining) this.retire('rx', d.gen);
    s.draining = [];
    s.gen = gen;
    s.chain = keys.chain;
    s.agreedAt = now;
  }

  private drainMs(): number {
    return Math.max(MIN_DRAIN_MS, DRAIN_RTT_MULTIPLE * (this.rtt.srtt ?? LINK_RTO.initialMs));
  }

  // ---- helpers ---------------------------------------------------------------------

  /** Key material by generation, so promotions can re-publish without keeping copies around. */
  private readonly published = new Map<string, Uint8Array>();

  private publish(direction: KeyDirection, generation: number, key: Uint8Array | undefined, role: 'current' | 'next'): void {
    const id = `${direction}:${generation}`;
    if (key) this.published.set(id, key);
    const k = key ?? this.published.get(id);
    if (!k) return;
    this.sink.publish({ peer: this.config.linkId, direction, generation, key: k, role });
  }

  private retire(direction: KeyDirection, generation: number): void {
    const id = `${direction}:${generation}`;
    if (!this.published.has(id)) return;
    wipe(this.published.get(id)!);
    this.published.delete(id);
    this.sink.retire({ peer: this.config.linkId, direction, generation });
  }

  private teardown(): void {
    for (const id of [...this.published.keys()]) {
      const [direction, gen] = id.split(':');
      this.retire(direction as KeyDirection, Number(gen));
    }
    this.session = null;
    this.leaderRekey = null;
    this.followerRekey = null;
    this.cachedResp = null;
    this.confirmGen = -1;
    this.confirmDeadline = Infinity;
    this.rotateRequested = false;
  }

  private reject(reason: RejectReason): void {
    this.stats.rejected[reason]++;
  }
}

/** Overwrites retired key material in our own copy (best effort in a GC'd runtime). */
function wipe(key: Uint8Array): void {
  key.fill(0);
}
