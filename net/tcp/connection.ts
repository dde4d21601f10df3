/*
 * One TCP connection: the RFC 9293 state machine (§3.3.2, event processing
 * §3.10) with its sequence variables, timers and buffers. It takes parsed
 * segments and user calls, and sends through its environment; it never
 * reads a clock or arms a timer except through the environment's Scheduler.
 *
 * Behaviour and where it comes from:
 * - segment arrival: RFC 9293 §3.10.7.3 (SYN-SENT) and §3.10.7.4 (others),
 *   with RFC 5961 for RST (§3), SYN (§4) and ACK (§5) acceptance, and
 *   RFC 1337 (RST ignored in TIME-WAIT);
 * - MSS (RFC 9293 §3.7.1), window scaling (RFC 7323 §2);
 * - RTO (RFC 6298) in rto.ts; congestion control (RFC 5681, RFC 6582, RFC 3042) in
 *   congestion.ts; delayed ACKs (RFC 9293 §3.8.6.3, RFC 5681 §4.2);
 * - silly-window avoidance on both sides (RFC 9293 §3.8.6.2), zero-window
 *   probing (§3.8.6.1); Nagle is off: a server answers requests, and writes
 *   made in one turn of the event loop are coalesced by the flow anyway;
 * - keep-alive (RFC 9293 §3.8.4), off unless asked for.
 */
import { FlowError } from '../types';
import { count } from '../../lib/counters';
import type { Counters } from '../../lib/counters';
import type { Scheduler, TimerHandle } from '../../lib/scheduler';
import type { TcpConfig } from './config';
import { NewRenoCongestion } from './congestion';
import { ReassemblyQueue } from './reassembly';
import { ReceiveQueue } from './receive-queue';
import { RtoEstimator } from './rto';
import { SendBuffer } from './send-buffer';
import { seqAdd, seqDiff, seqGeq, seqGt, seqInWindow, seqLeq, seqLt, seqMax } from './seq';
import {
  finishSegmentAt, FLAG_ACK, FLAG_FIN, FLAG_PSH, FLAG_RST, FLAG_SYN, MAX_WINDOW_SCALE, segmentLength, segmentHeaderLength, writeSegmentHeader,
} from './wire';
import type { SegmentFields, TcpSegment } from './wire';

export type TcpState =
  | 'CLOSED'
  | 'SYN-SENT'
  | 'SYN-RECEIVED'
  | 'ESTABLISHED'
  | 'FIN-WAIT-1'
  | 'FIN-WAIT-2'
  | 'CLOSE-WAIT'
  | 'CLOSING'
  | 'LAST-ACK'
  | 'TIME-WAIT';

/** RFC 9293 §3.7.1: the MSS assumed when the peer sends none. */
export const DEFAULT_PEER_MSS = 536;
/** The smallest MSS we honour: a tiny advertised MSS would only make us burn CPU on tiny segments. */
export const MIN_PEER_MSS = 64;

/** What a connection needs from the TCP instance around it. */
export interface ConnectionEnvironment {
  readonly scheduler: Scheduler;
  readonly config: TcpConfig;
  readonly counters: Counters;
  /** A zeroed frame with room for a `length`-byte segment at segmentOffset (IpSender.frame). */
  frame(length: number): Uint8Array;
  readonly segmentOffset: number;
  /** Hands the finished `length`-byte segment in a frame from frame() to IP. */
  sendFrame(src: number, dst: number, frame: Uint8Array, length: number): void;
  /** RFC 5961 §7: may one more challenge ACK go out now? */
  allowChallengeAck(): boolean;
  /** The connection reached ESTABLISHED. */
  established(conn: Connection): void;
  /** The connection is CLOSED: it leaves the demultiplexing table. */
  closed(conn: Connection): void;
}

/** What the connection tells its user (the Flow). Called synchronously. */
export interface ConnectionEvents {
  established(): void;
  /** In-order bytes, or the end of the peer's stream, can be read. */
  readable(): void;
  /** Room was made in the send buffer. */
  writable(): void;
  /** Our FIN was acknowledged: everything we sent arrived. */
  sendFinished(): void;
  /** The connection is gone; error says why when it did not end normally. */
  closed(error: FlowError | null): void;
}

const EMPTY = new Uint8Array(0);
const NO_DEADLINE = -1;
/**
 * Two desynchronised ends could answer each other's out-of-window ACKs for
 * ever (an ACK storm); like Linux we answer such empty segments at most this
 * often. Segments with data always get their ACK.
 */
const OUT_OF_WINDOW_ACK_INTERVAL_MS = 500;

export class Connection {
  state: TcpState = 'CLOSED';
  events: ConnectionEvents | null = null;
  /** Opened by a listener (true) or by connect (false). */
  readonly passive: boolean;
  /** Counted against the instance's half-open (SYN-RECEIVED) limit. */
  countsAsHalfOpen = false;
  /** When TIME-WAIT began (the oldest is reclaimed first under pressure). */
  timeWaitSince = 0;

  // Send sequence space (RFC 9293 §3.3.1). sndMax: just past the highest
  // sequence number ever sent (sndNxt goes back to sndUna after a timeout).
  readonly iss: number;
  sndUna: number;
  sndNxt: number;
  sndMax: number;
  sndWnd = 0;
  private sndWl1 = 0;
  private sndWl2 = 0;
  private maxSndWnd = 0;
  /** Shift applied to the peer's window field; and ours to our window (RFC 7323). */
  private sndShift = 0;
  private rcvShift = 0;
  /** Eff.snd.MSS (RFC 9293 §3.7.1). */
  sendMss = DEFAULT_PEER_MSS;

  // Receive sequence space. rcvAdvEdge: RCV.NXT + RCV.WND as last advertised;
  // it never moves left (RFC 9293 §3.8.6.2.2: do not shrink the window).
  irs = 0;
  rcvNxt = 0;
  private rcvAdvEdge = 0;

  /** Our SYN was acknowledged (SND.UNA moved past ISS). */
  private synAcked = false;
  /** The peer's SYN carried a window-scale option. */
  private peerOfferedScale = false;
  /** RFC 9293 §3.10.7.4 leaves ACKs to out-of-window control segments unlimited; we send one per interval. */
  private lastOutOfWindowAckAt = -OUT_OF_WINDOW_ACK_INTERVAL_MS;

  /** close() was called: a FIN follows the data; finSeq is its sequence number. */
  private finQueued = false;
  private finSeq = 0;
  /** The peer's FIN arrived (end of its stream). */
  peerFinished = false;

  private readonly sendBuffer: SendBuffer;
  private readonly receiveQueue = new ReceiveQueue();
  private readonly reassembly: ReassemblyQueue;
  private readonly rto: RtoEstimator;
  private readonly congestion: NewRenoCongestion;

  /** Consecutive retransmissions of the same data (or SYN) without progress. */
  private retries = 0;
  private synRetransmitted = false;
  /** One segment timed at a time (Karn: never a retransmitted one). */
  private rttActive = false;
  private rttSeq = 0;
  private rttStart = 0;

  private ackNow = false;
  /** Inside segmentArrives (see there). */
  private processing = false;
  private segmentsSinceAck = 0;
  /** An ACK for every second segment is queued to go at the end of this job (see processText). */
  private ackQueued = false;

  // Deadlines in scheduler milliseconds; one scheduler timer covers them all.
  private retransmitAt = NO_DEADLINE;
  private persistAt = NO_DEADLINE;
  private delayedAckAt = NO_DEADLINE;
  private keepAliveAt = NO_DEADLINE;
  /** TIME-WAIT expiry or the FIN-WAIT-2 timeout. */
  private lingerAt = NO_DEADLINE;
  private timer: TimerHandle | null = null;
  private timerAt = 0;

  private persistBackoff = 0;
  private unansweredProbes = 0;
  private lastReceiveAt = 0;
  private lastSendAt = 0;
  private keepAlive: { idleMs: number; intervalMs: number; probes: number } | null;
  private keepAliveSent = 0;

  constructor(
    private readonly env: ConnectionEnvironment,
    readonly localAddress: number,
    readonly localPort: number,
    readonly remoteAddress: number,
    readonly remotePort: number,
    iss: number,
    passive: boolean,
  ) {
    const config = env.config;
    this.passive = passive;
    this.iss = iss >>> 0;
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.sndMax = this.iss;
    this.sendBuffer = new SendBuffer(config.sendBufferBytes);
    this.reassembly = new ReassemblyQueue(config.maxOutOfOrderSegments);
    this.rto = new RtoEstimator({ initialMs: config.initialRtoMs, minMs: config.minRtoMs, maxMs: config.maxRtoMs });
    this.congestion = new NewRenoCongestion(DEFAULT_PEER_MSS, this.iss);
    this.keepAlive = config.keepAlive;
    this.lastReceiveAt = env.scheduler.now();
  }

  // ---------------------------------------------------------------- opening

  /** Active OPEN (RFC 9293 §3.10.1): send a SYN, enter SYN-SENT. */
  openActive(): void {
    this.state = 'SYN-SENT';
    this.sendSyn();
    this.startRttTiming(this.iss);
    this.retransmitAt = this.now() + this.rto.rto;
    this.armTimer();
  }

  /** A SYN reached a listener (RFC 9293 §3.10.7.2): answer SYN-ACK, enter SYN-RECEIVED. */
  acceptSyn(seg: TcpSegment): void {
    this.irs = seg.seq;
    this.rcvNxt = seqAdd(seg.seq, 1);
    this.rcvAdvEdge = this.rcvNxt;
    this.applySynOptions(seg);
    this.sndWnd = seg.window; // never scaled in a SYN (RFC 7323 §2.2)
    this.maxSndWnd = this.sndWnd;
    this.sndWl1 = seg.seq;
    this.sndWl2 = this.iss;
    this.state = 'SYN-RECEIVED';
    this.sendSyn();
    this.startRttTiming(this.iss);
    this.retransmitAt = this.now() + this.rto.rto;
    this.armTimer();
  }

  // ------------------------------------------------------------- user calls

  /** Copies what fits of data[from…] into the send buffer; returns the bytes taken. */
  write(data: Uint8Array, from: number): number {
    if (!this.canWrite()) return 0;
    return this.sendBuffer.append(data, from);
  }

  canWrite(): boolean {
    return (this.state === 'ESTABLISHED' || this.state === 'CLOSE-WAIT') && !this.finQueued;
  }

  /** The next chunk of received bytes, or null when none is queued. */
  takeReceived(): Uint8Array | null {
    const chunk = this.receiveQueue.take();
    if (chunk && this.state !== 'CLOSED' && this.windowUpdateDue()) {
      this.ackNow = true;
      if (!this.processing) this.output();
    }
    return chunk;
  }

  /** CLOSE (RFC 9293 §3.10.4): a FIN goes after the queued data, at the next flush(). */
  shutdownSend(): void {
    if (this.state !== 'ESTABLISHED' && this.state !== 'CLOSE-WAIT') return;
    if (this.finQueued) return;
    this.finQueued = true;
    this.finSeq = seqAdd(this.sndUna, this.sendBuffer.length);
    this.state = this.state === 'ESTABLISHED' ? 'FIN-WAIT-1' : 'LAST-ACK';
  }

  /** ABORT (RFC 9293 §3.10.5): RST to the peer when it knows of us, then CLOSED. */
  abort(): void {
    if (this.state === 'CLOSED') return;
    if (this.state !== 'SYN-SENT' && this.state !== 'TIME-WAIT') this.sendReset(this.sndMax, false);
    this.terminate(new FlowError('aborted', 'connection aborted'));
  }

  /** Drops the connection without telling the peer (TIME-WAIT reclaimed, listener gone before accept). */
  forget(): void {
    this.terminate(null);
  }

  /** Turns keep-alive probing on or off for this connection. */
  setKeepAlive(settings: { idleMs: number; intervalMs: number; probes: number } | null): void {
    this.keepAlive = settings;
    this.keepAliveSent = 0;
    this.keepAliveAt = NO_DEADLINE;
    this.scheduleKeepAlive();
    this.armTimer();
  }

  /** Sends whatever the windows allow now (called after the user wrote or closed). */
  flush(): void {
    if (!this.processing) this.output();
  }

  // ------------------------------------------------------- segment arrival

  segmentArrives(seg: TcpSegment): void {
    if (this.state === 'CLOSED') return;
    // Event handlers of the flow run inside this call; what they ask for
    // waits for the output() at the end instead of sending mid-segment.
    this.processing = true;
    try {
      if (this.state === 'SYN-SENT') this.synSentArrives(seg);
      else this.synchronizedArrives(seg);
    } finally {
      this.processing = false;
    }
    this.output();
  }

  /** RFC 9293 §3.10.7.3. */
  private synSentArrives(seg: TcpSegment): void {
    const flags = seg.flags;
    if (flags & FLAG_ACK) {
      if (seqLeq(seg.ack, this.iss) || seqGt(seg.ack, this.sndMax)) {
        if (!(flags & FLAG_RST)) this.sendReset(seg.ack, false);
        return;
      }
    }
    if (flags & FLAG_RST) {
      // RFC 5961 §3.2: in SYN-SENT a RST counts only with an ACK of our SYN.
      if (flags & FLAG_ACK) {
        count(this.env.counters, 'tcp.refused');
        this.terminate(new FlowError('refused', 'connection refused'));
      }
      return;
    }
    if (!(flags & FLAG_SYN)) return;

    this.irs = seg.seq;
    this.rcvNxt = seqAdd(seg.seq, 1);
    // Our SYN advertised an unscaled window: data in the SYN-ACK may use it.
    this.rcvAdvEdge = seqAdd(this.rcvNxt, Math.min(this.receiveSpace(), 65535));
    this.applySynOptions(seg);
    this.lastReceiveAt = this.now();
    if (flags & FLAG_ACK) {
      this.sndWnd = seg.window;
      this.maxSndWnd = this.sndWnd;
      this.sndWl1 = seg.seq;
      this.sndWl2 = seg.ack;
      this.acknowledge(seg.ack);
      this.sampleRtt(seg.ack);
      this.ackNow = true;
      this.becomeEstablished();
      if (this.state !== 'ESTABLISHED') return;
      if (seg.payload.length > 0 || flags & FLAG_FIN) {
        this.processText(this.rcvNxt, seg.payload, (flags & FLAG_FIN) !== 0);
      }
    } else {
      // Simultaneous open (RFC 9293 §3.5, Figure 8): answer with SYN-ACK.
      this.sndWnd = seg.window;
      this.maxSndWnd = this.sndWnd;
      this.sndWl1 = seg.seq;
      this.sndWl2 = this.iss;
      this.state = 'SYN-RECEIVED';
      this.sendSyn();
    }
  }

  /** RFC 9293 §3.10.7.4, for SYN-RECEIVED and the synchronized states. */
  private synchronizedArrives(seg: TcpSegment): void {
    const flags = seg.flags;

    if (this.state === 'SYN-RECEIVED' && flags & FLAG_SYN && !(flags & FLAG_RST) && seg.seq === this.irs) {
      // The peer's SYN again: either its SYN-ACK in a simultaneous open, or
      // a retransmitted SYN because our SYN-ACK was lost.
      if (flags & FLAG_ACK && seqGt(seg.ack, this.sndUna) && seqLeq(seg.ack, this.sndMax)) {
        this.sndWnd = seg.window;
        this.maxSndWnd = Math.max(this.maxSndWnd, this.sndWnd);
        this.sndWl1 = seg.seq;
        this.sndWl2 = seg.ack;
        this.acknowledge(seg.ack);
        this.sampleRtt(seg.ack);
        this.ackNow = true;
        this.becomeEstablished();
      } else {
        this.sendSyn();
      }
      return;
    }

    // First: is the sequence number acceptable?
    const segLen = segmentLength(seg);
    let window = seqDiff(this.rcvAdvEdge, this.rcvNxt);
    if (window < 0) window = 0;
    let acceptable: boolean;
    if (segLen === 0) {
      acceptable = window === 0 ? seg.seq === this.rcvNxt : seqInWindow(seg.seq, this.rcvNxt, window);
    } else {
      acceptable = window > 0
        && (seqInWindow(seg.seq, this.rcvNxt, window) || seqInWindow(seqAdd(seg.seq, segLen - 1), this.rcvNxt, window));
    }
    // A closed window still takes ACKs and RSTs at RCV.NXT (RFC 9293 §3.10.7.4).
    let textAllowed = true;
    if (!acceptable) {
      if (window === 0 && seg.seq === this.rcvNxt) {
        textAllowed = false;
      } else {
        if (flags & FLAG_RST) return; // RFC 5961 §3.2: out of window, silently
        if (flags & FLAG_SYN) {
          // RFC 5961 §4.2: a SYN gets a (rate-limited) challenge ACK whatever its sequence number.
          this.challengeAck();
          return;
        }
        if (this.state === 'TIME-WAIT' && flags & FLAG_FIN) this.lingerAt = this.now() + 2 * this.env.config.mslMs;
        this.ackUnacceptable(segLen);
        return;
      }
    }
    this.lastReceiveAt = this.now();
    this.keepAliveSent = 0;
    if (this.state === 'FIN-WAIT-2' && this.env.config.finWait2TimeoutMs > 0) {
      // The peer is alive and may still be sending: its FIN may take a while.
      this.lingerAt = this.lastReceiveAt + this.env.config.finWait2TimeoutMs;
    }

    // Second: RST (RFC 5961 §3.2: only an exact match resets; in-window gets a challenge ACK).
    if (flags & FLAG_RST) {
      if (seg.seq !== this.rcvNxt) {
        this.challengeAck();
        return;
      }
      this.resetArrived();
      return;
    }

    // Fourth: SYN (RFC 5961 §4.2: a challenge ACK whatever its sequence number).
    if (flags & FLAG_SYN) {
      if (this.state === 'SYN-RECEIVED' && this.passive) {
        // RFC 9293: a passive SYN-RECEIVED goes back to LISTEN (forget it).
        count(this.env.counters, 'tcp.syn-received-dropped');
        this.forget();
        return;
      }
      this.challengeAck();
      return;
    }

    // Fifth: ACK.
    if (!(flags & FLAG_ACK)) return;
    if (this.state === 'SYN-RECEIVED') {
      if (seqGt(seg.ack, this.sndUna) && seqLeq(seg.ack, this.sndMax)) {
        this.sndWnd = seg.window * (1 << this.sndShift);
        this.maxSndWnd = Math.max(this.maxSndWnd, this.sndWnd);
        this.sndWl1 = seg.seq;
        this.sndWl2 = seg.ack;
        this.becomeEstablished();
        if (this.isClosed()) return; // the listener was gone and the connection aborted
      } else {
        this.sendReset(seg.ack, false);
        return;
      }
    }
    if (!this.processAck(seg)) return;

    // Seventh and eighth: text and FIN.
    if (textAllowed) {
      this.processText(seg.seq, seg.payload, (flags & FLAG_FIN) !== 0);
    } else if (seg.payload.length > 0 || flags & FLAG_FIN) {
      this.ackNow = true; // the window is closed: tell the sender what we still expect
    }
  }

  /** Fifth step for the synchronized states; false when the segment is to be dropped. */
  private processAck(seg: TcpSegment): boolean {
    const ack = seg.ack;
    // RFC 5961 §5.2: acceptable ACKs lie in [SND.UNA − MAX.SND.WND, SND.NXT].
    if (seqGt(ack, this.sndMax) || seqLt(ack, seqAdd(this.sndUna, -this.maxSndWnd))) {
      this.challengeAck();
      return false;
    }
    this.unansweredProbes = 0;
    const window = seg.window * (1 << this.sndShift);

    if (seqGt(ack, this.sndUna)) {
      this.newAck(ack);
      if (this.state === 'CLOSED') return false;
    } else if (
      ack === this.sndUna
      && seg.payload.length === 0
      && !(seg.flags & (FLAG_SYN | FLAG_FIN))
      && window === this.sndWnd
      && this.sndWnd > 0
      && seqGt(this.sndMax, this.sndUna)
      && this.retransmitAt !== NO_DEADLINE
    ) {
      // RFC 5681 §2: a duplicate ACK.
      const flight = seqDiff(this.sndMax, this.sndUna);
      const action = this.congestion.onDuplicateAck(ack, flight, this.sndMax);
      if (action === 'fast-retransmit') {
        count(this.env.counters, 'tcp.fast-retransmit');
        this.retransmitFirst();
      }
    }

    // Window update (RFC 9293 §3.10.7.4): only from segments newer than the last update.
    if (seqGeq(ack, this.sndUna)
      && (seqLt(this.sndWl1, seg.seq) || (this.sndWl1 === seg.seq && seqLeq(this.sndWl2, ack)))) {
      if (this.sndWnd === 0 && window > 0) this.persistBackoff = 0;
      this.sndWnd = window;
      if (window > this.maxSndWnd) this.maxSndWnd = window;
      this.sndWl1 = seg.seq;
      this.sndWl2 = ack;
    }

    switch (this.state) {
      case 'FIN-WAIT-1':
        if (this.finAcked()) {
          this.state = 'FIN-WAIT-2';
          this.lingerAt = this.env.config.finWait2TimeoutMs > 0 ? this.now() + this.env.config.finWait2TimeoutMs : NO_DEADLINE;
          this.emitSendFinished();
        }
        break;
      case 'CLOSING':
        if (this.finAcked()) {
          this.enterTimeWait();
          this.emitSendFinished();
        }
        return false;
      case 'LAST-ACK':
        if (this.finAcked()) {
          this.emitSendFinished();
          this.terminate(null);
        }
        return false;
      case 'TIME-WAIT':
        return true; // only the peer's FIN again (handled as text)
      default:
        break;
    }
    return this.state !== 'CLOSED';
  }

  /** SND.UNA advances to `ack`. */
  private newAck(ack: number): void {
    const acked = seqDiff(ack, this.sndUna);
    const bufferedBefore = this.sendBuffer.length;
    this.acknowledge(ack);
    this.sampleRtt(ack);
    const now = this.now();
    this.retries = 0;
    const flightAfter = seqDiff(this.sndMax, this.sndUna);
    if (this.congestion.onNewAck(ack, acked, flightAfter)) {
      count(this.env.counters, 'tcp.partial-ack-retransmit');
      this.retransmitFirst();
    }
    // RFC 6298 §5.2–5.3: stop the timer when all is acknowledged, else restart it.
    this.retransmitAt = flightAfter > 0 ? now + this.rto.rto : NO_DEADLINE;
    if (this.sendBuffer.length < bufferedBefore && this.events) this.events.writable();
  }

  /** Moves SND.UNA to `ack`, dropping acknowledged bytes (not the SYN's or FIN's sequence numbers). */
  private acknowledge(ack: number): void {
    let dataAcked = seqDiff(ack, this.sndUna);
    if (!this.synAcked) {
      dataAcked--; // the SYN
      this.synAcked = true;
    }
    if (this.finQueued && seqGt(ack, this.finSeq) && seqLeq(this.sndUna, this.finSeq)) dataAcked--; // the FIN
    if (dataAcked > 0) this.sendBuffer.consume(dataAcked);
    this.sndUna = ack;
    if (seqLt(this.sndNxt, ack)) this.sndNxt = ack;
  }

  private startRttTiming(seq: number): void {
    this.rttActive = true;
    this.rttSeq = seq;
    this.rttStart = this.now();
  }

  /** An RTT sample when `ack` covers the timed segment (RFC 6298 §3). */
  private sampleRtt(ack: number): void {
    if (this.rttActive && seqGt(ack, this.rttSeq)) {
      this.rto.sample(this.now() - this.rttStart);
      this.rttActive = false;
    }
  }

  /** RFC 9293 §3.10.7.4 first check: an unacceptable segment gets an ACK (unless empty and too soon). */
  private ackUnacceptable(segLen: number): void {
    const now = this.now();
    if (segLen === 0) {
      if (now - this.lastOutOfWindowAckAt < OUT_OF_WINDOW_ACK_INTERVAL_MS) {
        count(this.env.counters, 'tcp.out-of-window-ack-limited');
        return;
      }
      this.lastOutOfWindowAckAt = now;
    }
    this.ackNow = true;
  }

  /** A method, not a comparison, so the compiler does not narrow state across calls that change it. */
  private isClosed(): boolean {
    return this.state === 'CLOSED';
  }

  private finAcked(): boolean {
    return this.finQueued && seqGt(this.sndUna, this.finSeq);
  }

  /** Seventh step (text) and eighth (FIN), for data starting at `seq`. */
  private processText(seq: number, data: Uint8Array, fin: boolean): void {
    if (this.state !== 'ESTABLISHED' && this.state !== 'FIN-WAIT-1' && this.state !== 'FIN-WAIT-2') {
      // CLOSE-WAIT, CLOSING, LAST-ACK: the peer's FIN came already, so there
      // is no text. TIME-WAIT: a FIN again: acknowledge, restart 2 MSL.
      if (this.state === 'TIME-WAIT' && fin) {
        this.lingerAt = this.now() + 2 * this.env.config.mslMs;
        this.ackNow = true;
      }
      return;
    }
    // Drop what we have already (the front) and what the window has no room for (the back).
    const skip = seqDiff(this.rcvNxt, seq);
    if (skip > 0) {
      if (skip >= data.length) {
        fin = fin && skip === data.length;
        data = EMPTY;
      } else {
        data = data.subarray(skip);
      }
      seq = this.rcvNxt;
    }
    const room = seqDiff(this.rcvAdvEdge, seq);
    if (data.length > room) {
      data = room > 0 ? data.subarray(0, room) : EMPTY;
      fin = false;
      this.ackNow = true;
    }
    if (data.length === 0 && !fin) return;

    if (seq !== this.rcvNxt) {
      // Out of order: keep it and send a duplicate ACK at once (RFC 5681 §4.2).
      count(this.env.counters, 'tcp.out-of-order');
      if (!this.reassembly.insert(seq, data, fin, this.rcvNxt)) count(this.env.counters, 'tcp.out-of-order-dropped');
      this.ackNow = true;
      return;
    }

    if (data.length > 0) {
      this.receiveQueue.append(data);
      this.rcvNxt = seqAdd(this.rcvNxt, data.length);
      if (!fin && !this.reassembly.empty) {
        // A hole filled: hand on what now follows and ACK at once (RFC 5681 §4.2).
        const queue = this.receiveQueue;
        this.rcvNxt = this.reassembly.pull(this.rcvNxt, (chunk) => { queue.push(chunk); });
        this.ackNow = true;
        if (this.reassembly.finReached(this.rcvNxt)) fin = true;
      } else {
        // Delayed ACK: at least every second segment (RFC 9293 §3.8.6.3).
        this.segmentsSinceAck++;
        if (this.segmentsSinceAck >= 2) this.ackAtEndOfJob();
        else if (this.delayedAckAt === NO_DEADLINE) this.delayedAckAt = this.now() + this.env.config.delayedAckMs;
      }
    }
    if (fin) this.finArrived();
    else if (this.events) this.events.readable();
  }

  /**
   * The every-second-segment ACK, sent once the frames that arrived together
   * are all in: a driver handing over a batch (the tap reads up to 64 frames
   * per wake-up) gets one cumulative ACK for it instead of one per two
   * segments (bench/tcp.ts: each ACK is a whole trip down the stack). A
   * segment that arrives on its own is ACKed at the end of its own job, as
   * before. An ACK leaving earlier (with data, or a duplicate ACK) zeroes
   * the count and makes this a no-op.
   */
  private ackAtEndOfJob(): void {
    if (this.ackQueued) return;
    this.ackQueued = true;
    queueMicrotask(() => {
      this.ackQueued = false;
      if (this.segmentsSinceAck < 2 || this.state === 'CLOSED') return;
      this.ackNow = true;
      try {
        this.flush();
      } catch (_e) {
        count(this.env.counters, 'tcp.internal-error');
      }
    });
  }

  /** The peer's FIN is at RCV.NXT (RFC 9293 §3.10.7.4, eighth). */
  private finArrived(): void {
    this.rcvNxt = seqAdd(this.rcvNxt, 1);
    this.peerFinished = true;
    this.ackNow = true;
    this.reassembly.clear();
    switch (this.state) {
      case 'ESTABLISHED':
        this.state = 'CLOSE-WAIT';
        break;
      case 'FIN-WAIT-1':
        // Our FIN is unacknowledged (else we would be in FIN-WAIT-2).
        this.state = 'CLOSING';
        break;
      case 'FIN-WAIT-2':
        this.enterTimeWait();
        break;
      default:
        break;
    }
    if (this.events) this.events.readable();
  }

  /** Second step: an exact RST in SYN-RECEIVED or a synchronized state. */
  private resetArrived(): void {
    count(this.env.counters, 'tcp.reset-received');
    switch (this.state) {
      case 'SYN-RECEIVED':
        if (this.passive) this.forget();
        else this.terminate(new FlowError('refused', 'connection refused'));
        return;
      case 'TIME-WAIT':
        return; // RFC 1337: ignoring it avoids TIME-WAIT assassination
      default:
        this.terminate(new FlowError('reset', 'connection reset by peer'));
    }
  }

  private becomeEstablished(): void {
    this.state = 'ESTABLISHED';
    this.retries = 0;
    if (this.synRetransmitted) this.rto.restartAfterSynLoss();
    if (seqDiff(this.sndMax, this.sndUna) <= 0) this.retransmitAt = NO_DEADLINE;
    this.scheduleKeepAlive();
    this.env.established(this);
    if (this.state === 'ESTABLISHED' && this.events) this.events.established();
  }

  private enterTimeWait(): void {
    this.state = 'TIME-WAIT';
    this.timeWaitSince = this.now();
    this.lingerAt = this.now() + 2 * this.env.config.mslMs;
    this.retransmitAt = NO_DEADLINE;
    this.persistAt = NO_DEADLINE;
    this.keepAliveAt = NO_DEADLINE;
    this.sendBuffer.release();
    this.reassembly.clear();
  }

  /** MSS and window scale from the peer's SYN (RFC 9293 §3.7.1, RFC 7323 §2.2). */
  private applySynOptions(seg: TcpSegment): void {
    let mss = seg.mss > 0 ? seg.mss : DEFAULT_PEER_MSS;
    if (mss < MIN_PEER_MSS) mss = MIN_PEER_MSS;
    if (mss > this.env.config.mss) mss = this.env.config.mss;
    this.sendMss = mss;
    this.congestion.setMss(mss);
    // Scaling is on only when both SYNs carry the option; a passive side
    // offers it only when the SYN did.
    if (seg.windowScale >= 0) {
      this.sndShift = seg.windowScale > MAX_WINDOW_SCALE ? MAX_WINDOW_SCALE : seg.windowScale;
      this.rcvShift = this.env.config.windowShift;
      this.peerOfferedScale = true;
    } else {
      this.sndShift = 0;
      this.rcvShift = 0;
      this.peerOfferedScale = false;
    }
  }

  // ------------------------------------------------------------------ output

  /**
   * Sends what the state, the windows and the pending ACK call for, then
   * re-arms timers. Every event ends here.
   */
  private output(): void {
    if (this.state === 'CLOSED') return;
    if (this.sendsData()) this.sendData();
    if (this.ackNow && this.state !== 'SYN-SENT') this.sendAck();
    this.updatePersist();
    this.armTimer();
  }

  private sendsData(): boolean {
    const s = this.state;
    return s === 'ESTABLISHED' || s === 'CLOSE-WAIT' || s === 'FIN-WAIT-1' || s === 'CLOSING' || s === 'LAST-ACK';
  }

  /** New segments from SND.NXT while the congestion and send windows allow. */
  private sendData(): void {
    // A receiver's usual case: nothing to send, so no clock read, no window sums.
    if (!this.hasUnsent()) return;
    const now = this.now();
    if (seqDiff(this.sndMax, this.sndUna) === 0 && this.hasUnsent() && now - this.lastSendAt > this.rto.rto) {
      this.congestion.restartAfterIdle();
    }
    for (;;) {
      const offset = seqDiff(this.sndNxt, this.sndUna);
      const unsent = this.sendBuffer.length - offset;
      const usable = Math.min(this.sndWnd, this.congestion.sendWindow()) - offset;
      let len = Math.min(unsent, this.sendMss, usable);
      if (len < 0) len = 0;
      const finPending = this.finQueued && seqLeq(this.sndNxt, this.finSeq);
      const withFin = finPending && len === unsent && usable > len;
      if (len === 0 && !withFin) return;
      // Sender silly-window avoidance (RFC 9293 §3.8.6.2.1), Nagle off: send
      // a full segment, everything that is queued, or half the largest window.
      if (len < unsent && len < this.sendMss && len < (this.maxSndWnd >> 1)) return;
      this.sendSegment(this.sndNxt, offset, len, withFin);
      if (!this.rttActive && seqGeq(this.sndNxt, this.sndMax)) this.startRttTiming(this.sndNxt);
      this.sndNxt = seqAdd(this.sndNxt, len + (withFin ? 1 : 0));
      this.sndMax = seqMax(this.sndMax, this.sndNxt);
      if (this.retransmitAt === NO_DEADLINE) this.retransmitAt = now + this.rto.rto;
      if (withFin) return;
    }
  }

  /** Unsent data, or a FIN not sent yet. */
  private hasUnsent(): boolean {
    const offset = seqDiff(this.sndNxt, this.sndUna);
    return this.sendBuffer.length > offset || (this.finQueued && seqLeq(this.sndNxt, this.finSeq));
  }

  /**
   * Resends the first unacknowledged segment (after a timeout, on fast
   * retransmit, on a NewReno partial ACK), whatever the windows say.
   */
  private retransmitFirst(): void {
    const outstanding = seqDiff(this.sndMax, this.sndUna);
    if (outstanding <= 0 || !this.sendsData()) return;
    const sentData = Math.min(outstanding, this.sendBuffer.length);
    const len = Math.min(this.sendMss, sentData);
    const fin = this.finQueued && seqGt(this.sndMax, this.finSeq) && len === this.sendBuffer.length;
    if (len === 0 && !fin) return;
    count(this.env.counters, 'tcp.retransmit');
    this.sendSegment(this.sndUna, 0, len, fin);
    this.rttActive = false; // Karn's rule
    const end = seqAdd(this.sndUna, len + (fin ? 1 : 0));
    if (seqLt(this.sndNxt, end)) this.sndNxt = end;
  }

  /** One segment: `len` bytes from `offset` in the send buffer, at `seq`. */
  private sendSegment(seq: number, offset: number, len: number, fin: boolean): void {
    let flags = FLAG_ACK;
    if (len > 0 && offset + len === this.sendBuffer.length) flags |= FLAG_PSH;
    if (fin) flags |= FLAG_FIN;
    this.emit({
      srcPort: this.localPort,
      dstPort: this.remotePort,
      seq: seq,
      ack: this.rcvNxt,
      flags: flags,
      window: this.advertiseWindow(),
    }, offset, len);
  }

  /**
   * Writes `f` and `len` bytes from `offset` in the send buffer straight
   * into the frame IP sends (the data's one copy), checksums it, sends it.
   */
  private emit(f: SegmentFields, offset: number, len: number): void {
    const env = this.env;
    const at = env.segmentOffset;
    const length = segmentHeaderLength(f) + len;
    const frame = env.frame(length);
    const headerBytes = writeSegmentHeader(frame, at, f);
    if (len > 0) this.sendBuffer.copyOut(offset, len, frame, at + headerBytes);
    finishSegmentAt(frame, at, length, this.localAddress, this.remoteAddress);
    this.lastSendAt = this.now();
    env.sendFrame(this.localAddress, this.remoteAddress, frame, length);
  }

  /**
   * An empty ACK. While we go back over lost data SND.NXT lags the peer's
   * RCV.NXT, and an ACK numbered SND.NXT would be out of its window and
   * dropped, ACK field and all; so it carries SND.MAX (as BSD does). Not
   * while probing a zero window: SND.MAX is then one past the window.
   */
  private sendAck(): void {
    this.sendControl(this.retransmitAt !== NO_DEADLINE ? this.sndMax : this.sndNxt, FLAG_ACK);
  }

  private sendControl(seq: number, flags: number): void {
    const lastSendAt = this.lastSendAt;
    this.emit({
      srcPort: this.localPort,
      dstPort: this.remotePort,
      seq: seq,
      ack: flags & FLAG_ACK ? this.rcvNxt : 0,
      flags: flags,
      window: flags & FLAG_ACK ? this.advertiseWindow() : 0,
    }, 0, 0);
    // Only data (and SYN) sending restarts the idle clock (RFC 5681 §4.1).
    this.lastSendAt = lastSendAt;
  }

  private sendReset(seq: number, withAck: boolean): void {
    count(this.env.counters, 'tcp.reset-sent');
    this.sendControl(seq, withAck ? FLAG_RST | FLAG_ACK : FLAG_RST);
  }

  /** SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED), with our MSS and window scale. */
  private sendSyn(): void {
    const synAck = this.state === 'SYN-RECEIVED';
    const free = this.receiveSpace();
    const window = free > 65535 ? 65535 : free;
    // Active side always offers scaling; the passive side only answers an offer.
    const offerScale = !synAck || this.peerOfferedScale;
    const fields: SegmentFields = {
      srcPort: this.localPort,
      dstPort: this.remotePort,
      seq: this.iss,
      ack: synAck ? this.rcvNxt : 0,
      flags: synAck ? FLAG_SYN | FLAG_ACK : FLAG_SYN,
      window: window,
      mss: this.env.config.mss,
      windowScale: offerScale ? this.env.config.windowShift : undefined,
    };
    if (synAck) {
      this.rcvAdvEdge = seqMax(this.rcvAdvEdge, seqAdd(this.rcvNxt, window));
      this.ackSent();
    }
    this.sndNxt = seqAdd(this.iss, 1);
    this.sndMax = seqMax(this.sndMax, this.sndNxt);
    this.emit(fields, 0, 0);
  }

  private challengeAck(): void {
    if (this.env.allowChallengeAck()) {
      count(this.env.counters, 'tcp.challenge-ack');
      this.sendAck();
    } else {
      count(this.env.counters, 'tcp.challenge-ack-limited');
    }
  }

  // --------------------------------------------------------- receive window

  private receiveSpace(): number {
    const free = this.env.config.receiveBufferBytes - this.receiveQueue.bytes;
    return free > 0 ? free : 0;
  }

  /** RFC 9293 §3.8.6.2.2: open the window only by at least min(buffer/2, MSS). */
  private windowUpdateThreshold(): number {
    return Math.min(this.env.config.receiveBufferBytes >> 1, this.env.config.mss);
  }

  /** The right edge we could advertise now (never beyond what the window field can carry). */
  private candidateEdge(): number {
    const largest = 65535 * (1 << this.rcvShift);
    const free = this.receiveSpace();
    return seqAdd(this.rcvNxt, free < largest ? free : largest);
  }

  /**
   * The window field for an outgoing ACK; moves the right edge when the
   * increase is worth it, and notes that an ACK is going out.
   */
  private advertiseWindow(): number {
    const candidate = this.candidateEdge();
    if (seqDiff(candidate, this.rcvAdvEdge) >= this.windowUpdateThreshold()) this.rcvAdvEdge = candidate;
    this.ackSent();
    const window = seqDiff(this.rcvAdvEdge, this.rcvNxt);
    if (window <= 0) return 0;
    const field = Math.floor(window / (1 << this.rcvShift));
    return field > 65535 ? 65535 : field;
  }

  private ackSent(): void {
    this.ackNow = false;
    this.segmentsSinceAck = 0;
    this.delayedAckAt = NO_DEADLINE;
  }

  /**
   * After a read: is the window now so much larger than what the peer
   * knows that it should hear at once (the window was nearly closed)?
   */
  private windowUpdateDue(): boolean {
    if (this.peerFinished || this.state === 'SYN-SENT' || this.state === 'SYN-RECEIVED') return false;
    const threshold = this.windowUpdateThreshold();
    const increase = seqDiff(this.candidateEdge(), this.rcvAdvEdge);
    if (increase < threshold) return false;
    const current = seqDiff(this.rcvAdvEdge, this.rcvNxt);
    return current < 2 * threshold || increase >= (this.env.config.receiveBufferBytes >> 1);
  }

  // ------------------------------------------------------------------ timers

  private now(): number {
    return this.env.scheduler.now();
  }

  private armTimer(): void {
    if (this.state === 'CLOSED') {
      this.cancelTimer();
      return;
    }
    // Inline rather than four calls of a two-way earliest(): this runs after every segment.
    let next = this.retransmitAt;
    const persist = this.persistAt;
    if (persist !== NO_DEADLINE && (next === NO_DEADLINE || persist < next)) next = persist;
    const delayedAck = this.delayedAckAt;
    if (delayedAck !== NO_DEADLINE && (next === NO_DEADLINE || delayedAck < next)) next = delayedAck;
    const keepAlive = this.keepAliveAt;
    if (keepAlive !== NO_DEADLINE && (next === NO_DEADLINE || keepAlive < next)) next = keepAlive;
    const linger = this.lingerAt;
    if (linger !== NO_DEADLINE && (next === NO_DEADLINE || linger < next)) next = linger;
    if (next === NO_DEADLINE) {
      this.cancelTimer();
      return;
    }
    // A timer due no later than needed can stay: it re-arms when it fires early.
    if (this.timer && this.timerAt <= next) return;
    this.cancelTimer();
    this.timerAt = next;
    const delay = next - this.now();
    this.timer = this.env.scheduler.after(delay > 0 ? delay : 0, () => {
      this.timer = null;
      try {
        this.timersDue();
      } catch (_e) {
        count(this.env.counters, 'tcp.internal-error');
      }
    });
  }

  private cancelTimer(): void {
    if (this.timer) {
      this.timer.cancel();
      this.timer = null;
    }
  }

  private timersDue(): void {
    const now = this.now();
    if (this.retransmitAt !== NO_DEADLINE && this.retransmitAt <= now) {
      this.retransmitAt = NO_DEADLINE;
      this.retransmitTimeout();
      if (this.state === 'CLOSED') return;
    }
    if (this.persistAt !== NO_DEADLINE && this.persistAt <= now) {
      this.persistAt = NO_DEADLINE;
      this.persistTimeout();
      if (this.state === 'CLOSED') return;
    }
    if (this.delayedAckAt !== NO_DEADLINE && this.delayedAckAt <= now) {
      this.delayedAckAt = NO_DEADLINE;
      this.ackNow = true;
    }
    if (this.keepAliveAt !== NO_DEADLINE && this.keepAliveAt <= now) {
      this.keepAliveAt = NO_DEADLINE;
      this.keepAliveTimeout();
      if (this.state === 'CLOSED') return;
    }
    if (this.lingerAt !== NO_DEADLINE && this.lingerAt <= now) {
      this.lingerAt = NO_DEADLINE;
      if (this.state === 'TIME-WAIT') {
        this.terminate(null);
        return;
      }
      if (this.state === 'FIN-WAIT-2') {
        count(this.env.counters, 'tcp.fin-wait-2-timeout');
        this.terminate(new FlowError('timeout', 'peer never closed its side'));
        return;
      }
    }
    this.output();
  }

  /** RFC 6298 §5.4–5.6 and RFC 5681 §3.1: retransmit the oldest segment and back off. */
  private retransmitTimeout(): void {
    const config = this.env.config;
    if (this.state === 'SYN-SENT' || this.state === 'SYN-RECEIVED') {
      this.retries++;
      if (this.retries > config.maxSynRetransmits) {
        count(this.env.counters, 'tcp.timeout');
        this.terminate(new FlowError('timeout', 'no answer to SYN'));
        return;
      }
      count(this.env.counters, 'tcp.retransmit');
      this.rto.backoff();
      this.synRetransmitted = true;
      this.rttActive = false; // Karn's rule
      this.sendSyn();
      this.retransmitAt = this.now() + this.rto.rto;
      return;
    }
    const flight = seqDiff(this.sndMax, this.sndUna);
    if (flight <= 0) return;
    this.retries++;
    if (this.retries > config.maxRetransmits) {
      count(this.env.counters, 'tcp.timeout');
      this.sendReset(this.sndMax, false);
      this.terminate(new FlowError('timeout', 'retransmissions unanswered'));
      return;
    }
    count(this.env.counters, 'tcp.retransmit-timeout');
    this.congestion.onTimeout(flight, this.sndMax);
    this.rto.backoff();
    this.rttActive = false;
    this.sndNxt = this.sndUna; // go back: resend from the oldest unacknowledged byte
    this.retransmitFirst();
    this.retransmitAt = this.now() + this.rto.rto;
  }

  /** Zero-window probing (RFC 9293 §3.8.6.1) and the SWS override timeout. */
  private persistTimeout(): void {
    if (!this.sendsData() || !this.hasUnsent() || this.retransmitAt !== NO_DEADLINE) return;
    const offset = seqDiff(this.sndNxt, this.sndUna);
    const unsent = this.sendBuffer.length - offset;
    const room = this.sndWnd - offset;
    if (room > 0 && unsent > 0) {
      // A window too small for silly-window avoidance: send what fits anyway.
      const len = Math.min(room, unsent, this.sendMss);
      this.sendSegment(this.sndNxt, offset, len, false);
      this.sndNxt = seqAdd(this.sndNxt, len);
      this.sndMax = seqMax(this.sndMax, this.sndNxt);
      this.retransmitAt = this.now() + this.rto.rto;
      return;
    }
    this.unansweredProbes++;
    if (this.unansweredProbes > this.env.config.maxRetransmits) {
      count(this.env.counters, 'tcp.timeout');
      this.terminate(new FlowError('timeout', 'zero-window probes unanswered'));
      return;
    }
    // One byte beyond the closed window (or the FIN alone); SND.NXT stays, so
    // the byte goes again normally once the window opens.
    count(this.env.counters, 'tcp.window-probe');
    const len = unsent > 0 ? 1 : 0;
    this.sendSegment(this.sndNxt, offset, len, len === 0);
    this.sndMax = seqMax(this.sndMax, seqAdd(this.sndNxt, 1));
    this.persistBackoff++;
  }

  private updatePersist(): void {
    const unsent = this.hasUnsent();
    if (!unsent || this.retransmitAt !== NO_DEADLINE || !this.sendsData()) {
      this.persistAt = NO_DEADLINE;
      if (this.retransmitAt === NO_DEADLINE && !unsent) this.persistBackoff = 0;
      return;
    }
    if (this.persistAt === NO_DEADLINE) {
      let interval = this.rto.rto * (1 << Math.min(this.persistBackoff, 16));
      if (interval > this.env.config.maxRtoMs) interval = this.env.config.maxRtoMs;
      this.persistAt = this.now() + interval;
    }
  }

  private scheduleKeepAlive(): void {
    if (!this.keepAlive || (this.state !== 'ESTABLISHED' && this.state !== 'CLOSE-WAIT')) return;
    if (this.keepAliveAt === NO_DEADLINE) this.keepAliveAt = this.lastReceiveAt + this.keepAlive.idleMs;
  }

  /** RFC 9293 §3.8.4: after an idle period, an ACK with SEG.SEQ = SND.NXT − 1 asks the peer to answer. */
  private keepAliveTimeout(): void {
    const ka = this.keepAlive;
    if (!ka || (this.state !== 'ESTABLISHED' && this.state !== 'CLOSE-WAIT')) return;
    const now = this.now();
    const idleSince = this.lastReceiveAt;
    if (this.keepAliveSent === 0 && now - idleSince < ka.idleMs) {
      this.keepAliveAt = idleSince + ka.idleMs;
      return;
    }
    if (seqGt(this.sndMax, this.sndUna) || this.hasUnsent()) {
      // Data is outstanding: retransmission or probing watches the peer.
      this.keepAliveSent = 0;
      this.keepAliveAt = now + ka.idleMs;
      return;
    }
    if (this.keepAliveSent >= ka.probes) {
      count(this.env.counters, 'tcp.keepalive-timeout');
      this.terminate(new FlowError('timeout', 'keep-alive probes unanswered'));
      return;
    }
    this.keepAliveSent++;
    count(this.env.counters, 'tcp.keepalive-probe');
    this.sendControl(seqAdd(this.sndNxt, -1), FLAG_ACK);
    this.keepAliveAt = now + ka.intervalMs;
  }

  // ------------------------------------------------------------------ ending

  private emitSendFinished(): void {
    if (this.events) this.events.sendFinished();
  }

  /** Enters CLOSED: timers off, buffers freed, demultiplexing entry gone, user told. */
  private terminate(error: FlowError | null): void {
    if (this.state === 'CLOSED') return;
    this.state = 'CLOSED';
    this.retransmitAt = this.persistAt = this.delayedAckAt = this.keepAliveAt = this.lingerAt = NO_DEADLINE;
    this.cancelTimer();
    this.sendBuffer.release();
    this.reassembly.clear();
    // RFC 9293 §3.10.7.4: a reset flushes the queues; a normal end keeps
    // the unread bytes for the application.
    if (error) this.receiveQueue.clear();
    this.env.closed(this);
    if (this.events) this.events.closed(error);
  }
}
