/*
 * Congestion control: slow start and congestion avoidance (RFC 5681 §3.1),
 * fast retransmit / fast recovery (RFC 5681 §3.2) with the NewReno handling
 * of partial acknowledgements (RFC 6582 §3.2), limited transmit (RFC 3042).
 * Pure bookkeeping: the
 * connection asks what to do and does the sending.
 */
import { seqGeq, seqLt } from './seq';

/** RFC 5681 §3.2: the third duplicate ACK signals a lost segment. */
export const DUPLICATE_ACK_THRESHOLD = 3;

/** Keeps cwnd a sane number when an application-limited sender never fills it. */
const MAX_CWND = 1 << 30;

export type DuplicateAckAction = 'none' | 'fast-retransmit' | 'inflate';

export class NewRenoCongestion {
  cwnd: number;
  ssthresh = MAX_CWND;
  duplicateAcks = 0;
  inRecovery = false;
  /** RFC 6582 "recover": the sequence number just past the highest sent when recovery (or a timeout) began. */
  private recover: number;
  private mss: number;

  constructor(mss: number, iss: number) {
    this.mss = mss;
    this.cwnd = initialWindow(mss);
    this.recover = iss;
  }

  /** The sender's MSS became known (after the SYN exchange). */
  setMss(mss: number): void {
    this.mss = mss;
    this.cwnd = initialWindow(mss);
  }

  /**
   * The window new data may use now: cwnd, plus one segment for each of the
   * first two duplicate ACKs outside recovery (RFC 3042 limited transmit),
   * so a loss in a small window still draws the three duplicate ACKs that
   * fast retransmit needs instead of waiting for a timeout.
   */
  sendWindow(): number {
    if (this.inRecovery || this.duplicateAcks === 0) return this.cwnd;
    return this.cwnd + Math.min(this.duplicateAcks, 2) * this.mss;
  }

  /** RFC 5681 §4.1: after an idle period longer than an RTO, restart from the initial window. */
  restartAfterIdle(): void {
    const iw = initialWindow(this.mss);
    if (this.cwnd > iw) this.cwnd = iw;
  }

  /**
   * New data was acknowledged: `acked` bytes, `ack` the new SND.UNA,
   * `flightAfter` the bytes still outstanding. Returns true when the first
   * unacknowledged segment should be retransmitted now (a NewReno partial
   * acknowledgement).
   */
  onNewAck(ack: number, acked: number, flightAfter: number): boolean {
    this.duplicateAcks = 0;
    if (this.inRecovery) {
      if (seqGeq(ack, this.recover)) {
        // RFC 6582 §3.2 step 3, full acknowledgement: deflate (option 1).
        this.cwnd = Math.min(this.ssthresh, Math.max(flightAfter, this.mss) + this.mss);
        this.inRecovery = false;
        return false;
      }
      // Partial acknowledgement: deflate by what was acked, add back one
      // segment if at least one was acked, retransmit the next hole.
      this.cwnd = Math.max(this.cwnd - acked, this.mss);
      if (acked >= this.mss) this.cwnd += this.mss;
      return true;
    }
    if (this.cwnd < this.ssthresh) {
      // Slow start (RFC 5681 §3.1, with RFC 3465's limit of one SMSS per ACK).
      this.cwnd += Math.min(acked, this.mss);
    } else {
      // Congestion avoidance: about one SMSS per round trip.
      this.cwnd += Math.max(1, Math.floor((this.mss * this.mss) / this.cwnd));
    }
    if (this.cwnd > MAX_CWND) this.cwnd = MAX_CWND;
    return false;
  }

  /**
   * A duplicate ACK (RFC 5681 §2 definition, checked by the caller) for
   * SND.UNA `ack` with `flight` bytes outstanding and `sndMax` the next
   * sequence number after the highest sent.
   */
  onDuplicateAck(ack: number, flight: number, sndMax: number): DuplicateAckAction {
    this.duplicateAcks++;
    if (this.inRecovery) {
      this.cwnd += this.mss; // RFC 5681 §3.2 step 4: each further dup ACK means a segment left the network
      return 'inflate';
    }
    if (this.duplicateAcks !== DUPLICATE_ACK_THRESHOLD) return 'none';
    // RFC 6582 §3.2 step 2: dup ACKs that do not cover `recover` follow a
    // timeout's retransmissions and are not a new loss.
    if (seqLt(ack, this.recover)) return 'none';
    this.recover = sndMax;
    this.ssthresh = Math.max(Math.floor(flight / 2), 2 * this.mss);
    this.cwnd = this.ssthresh + DUPLICATE_ACK_THRESHOLD * this.mss;
    this.inRecovery = true;
    return 'fast-retransmit';
  }

  /** RFC 5681 §3.1 (equation 4) and RFC 6582 §3.2 step 4: the retransmission timer expired. */
  onTimeout(flight: number, sndMax: number): void {
    this.ssthresh = Math.max(Math.floor(flight / 2), 2 * this.mss);
    this.cwnd = this.mss;
    this.inRecovery = false;
    this.duplicateAcks = 0;
    this.recover = sndMax;
  }
}

/** RFC 5681 §3.1: IW by SMSS. */
export function initialWindow(mss: number): number {
  if (mss > 2190) return 2 * mss;
  if (mss > 1095) return 3 * mss;
  return 4 * mss;
}
