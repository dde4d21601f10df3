/*
 * Memoised answers (MirageOS's trick): zones do not change while served,
 * so the bytes of an answer depend only on the question, the EDNS state
 * and the size limit. A hit costs a copy and three patches (see
 * responder.ts). Bounded: past `capacity` the oldest entry goes, which
 * keeps random-name floods from growing the heap.
 *
 * A plain object and a ring of keys rather than a Map: in Duktape the
 * runtime's Map costs several times a property lookup per get.
 */
export interface AnswerCache {
  get(key: string): Uint8Array | undefined;
  set(key: string, answer: Uint8Array): void;
  readonly size: number;
}

export function createAnswerCache(capacity: number): AnswerCache {
  const entries: { [key: string]: Uint8Array } = Object.create(null);
  const ring: string[] = [];
  let oldest = 0;
  return {
    get: function (key) { return entries[key]; },
    set: function (key, answer) {
      if (capacity <= 0) return;
      if (entries[key] !== undefined) { entries[key] = answer; return; }
      if (ring.length < capacity) {
        ring.push(key);
      } else {
        delete entries[ring[oldest]];
        ring[oldest] = key;
        oldest = (oldest + 1) % capacity;
      }
      entries[key] = answer;
    },
    get size() { return ring.length; },
  };
}

/* Latin-1 capitals, which toLowerCase would fold but DNS does not (RFC 4343: ASCII only). */
const LATIN1_CAPITALS = /[\xc0-\xde]/;

/**
 * The cache key of a question: its name's wire bytes (query[start, nameEnd))
 * with ASCII lowered, then type, class, EDNS variant (0 none, 1 EDNS, 2 EDNS
 * with DO) and size limit, one character each. Made by natives over the
 * whole name, not a loop per byte: that is most of a memoised answer's cost.
 */
export function answerKey(query: Uint8Array, start: number, nameEnd: number, type: number, klass: number, variant: number, limit: number): string {
  const spelled = String.fromCharCode.apply(null, query.subarray(start, nameEnd) as unknown as number[]);
  const name = LATIN1_CAPITALS.test(spelled) ? asciiLower(query, start, nameEnd) : spelled.toLowerCase();
  return name + String.fromCharCode(type, klass, variant, limit);
}

function asciiLower(query: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) {
    const b = query[i];
    s += String.fromCharCode(b >= 0x41 && b <= 0x5a ? b + 0x20 : b);
  }
  return s;
}
