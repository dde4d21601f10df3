/*
 * The out-of-order queue (RFC 9293 §3.10.7.4, "seventh, process the segment
 * text"): segments that arrived beyond RCV.NXT, kept as sorted,
 * non-overlapping copies until the hole before them fills. Bytes already
 * queued win over later copies of the same sequence space. Bounded by a
 * count of fragments (the receive window bounds the bytes), so many tiny
 * segments cannot make it grow without limit.
 */
import { seqAdd, seqDiff, seqGt, seqLeq, seqLt } from './seq';

interface Fragment {
  seq: number;
  end: number;
  data: Uint8Array;
}

export class ReassemblyQueue {
  private fragments: Fragment[] = [];
  /** Bytes held. */
  bytes = 0;
  /** Sequence number of a FIN seen out of order; valid when hasFin. */
  finSeq = 0;
  hasFin = false;

  constructor(private readonly maxFragments: number) {}

  get fragmentCount(): number {
    return this.fragments.length;
  }

  get empty(): boolean {
    return this.fragments.length === 0 && !this.hasFin;
  }

  /**
   * Queues data[...] at `seq` (beyond `rcvNxt`), copying the parts not
   * already held; `fin` marks a FIN right after it. Returns false when some
   * of it had to be dropped for lack of fragment slots.
   */
  insert(seq: number, data: Uint8Array, fin: boolean, rcvNxt: number): boolean {
    let start = seq;
    const end = seqAdd(seq, data.length);
    if (fin && !this.hasFin) {
      this.hasFin = true;
      this.finSeq = end;
    }
    if (seqLt(start, rcvNxt)) start = rcvNxt;
    if (this.hasFin && seqGt(end, this.finSeq)) return true; // data beyond the FIN: inconsistent, ignore
    let complete = true;
    const list = this.fragments;
    let i = 0;
    // Walk the held fragments, filling the gaps between them with new bytes.
    while (seqLt(start, end)) {
      while (i < list.length && seqLeq(list[i].end, start)) i++;
      let gapEnd = end;
      if (i < list.length && seqLt(list[i].seq, gapEnd)) {
        if (seqLeq(list[i].seq, start)) {
          start = list[i].end; // covered already
          i++;
          continue;
        }
        gapEnd = list[i].seq;
      }
      if (list.length >= this.maxFragments) {
        complete = false;
        break;
      }
      const from = seqDiff(start, seq);
      const to = seqDiff(gapEnd, seq);
      const copy = new Uint8Array(to - from);
      copy.set(data.subarray(from, to));
      list.splice(i, 0, { seq: start, end: gapEnd, data: copy });
      this.bytes += copy.length;
      i++;
      start = gapEnd;
    }
    return complete;
  }

  /**
   * Hands every byte that now continues from `rcvNxt` to `deliver`, in
   * order, and returns the new RCV.NXT (a queued FIN is not consumed: check
   * finReached).
   */
  pull(rcvNxt: number, deliver: (chunk: Uint8Array) => void): number {
    const list = this.fragments;
    let taken = 0;
    while (taken < list.length && seqLeq(list[taken].seq, rcvNxt)) {
      const f = list[taken++];
      this.bytes -= f.data.length;
      if (seqLeq(f.end, rcvNxt)) continue;
      deliver(f.data.subarray(seqDiff(rcvNxt, f.seq)));
      rcvNxt = f.end;
    }
    if (taken > 0) list.splice(0, taken);
    return rcvNxt;
  }

  /** True when the out-of-order FIN sits exactly at `rcvNxt`. */
  finReached(rcvNxt: number): boolean {
    return this.hasFin && this.finSeq === rcvNxt;
  }

  clear(): void {
    this.fragments = [];
    this.bytes = 0;
    this.hasFin = false;
  }
}
