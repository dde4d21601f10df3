/*
 * The retransmission timeout (RFC 6298): a smoothed RTT and its variation
 * from samples taken under Karn's rule (the caller never samples a
 * retransmitted segment), doubled on each expiry and clamped to [min, max].
 */

export interface RtoBounds {
  initialMs: number;
  minMs: number;
  maxMs: number;
}

/** RFC 6298 §2: G, the clock granularity (our scheduler counts milliseconds). */
const CLOCK_GRANULARITY_MS = 1;

export class RtoEstimator {
  /** Smoothed RTT (SRTT) and its variation (RTTVAR), valid once hasSample. */
  srtt = 0;
  rttvar = 0;
  hasSample = false;
  private current: number;

  constructor(private readonly bounds: RtoBounds) {
    this.current = this.clamp(bounds.initialMs);
  }

  /** The timeout to arm now, in milliseconds. */
  get rto(): number {
    return this.current;
  }

  /** RFC 6298 §2.2–2.4: folds one measured round trip in; also undoes backoff (§5.7). */
  sample(rttMs: number): void {
    const r = rttMs < 0 ? 0 : rttMs;
    if (!this.hasSample) {
      this.srtt = r;
      this.rttvar = r / 2;
      this.hasSample = true;
    } else {
      const delta = this.srtt - r;
      this.rttvar = 0.75 * this.rttvar + 0.25 * (delta < 0 ? -delta : delta);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.current = this.clamp(this.srtt + Math.max(CLOCK_GRANULARITY_MS, 4 * this.rttvar));
  }

  /** RFC 6298 §5.5: the timer expired, back off. */
  backoff(): void {
    this.current = this.clamp(this.current * 2);
  }

  /**
   * RFC 6298 §5.7: when a SYN had to be retransmitted and no RTT sample is
   * held, data transfer starts with an RTO of (at least) 3 s.
   */
  restartAfterSynLoss(): void {
    if (!this.hasSample) this.current = this.clamp(Math.max(3000, this.bounds.initialMs));
  }

  private clamp(ms: number): number {
    if (ms < this.bounds.minMs) return this.bounds.minMs;
    if (ms > this.bounds.maxMs) return this.bounds.maxMs;
    return Math.ceil(ms);
  }
}
