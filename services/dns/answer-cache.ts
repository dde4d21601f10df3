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

/**
 * The cache key of a question: its name's wire bytes (query[start, nameEnd))
 * exactly as spelled, then type, class, EDNS variant (0 none, 1 EDNS, 2 EDNS
 * with DO) and size limit, one character each. Made by natives over the
 * whole name, not a loop per byte: that is most of a memoised answer's cost.
 *
 * The spelling is part of the key, not lowered: an answer's names are
 * compressed only against the same bytes (writer.ts keeps case), so
 * "Www.Example.com" and "www.example.com" can differ in more than the
 * question's letters (an owner name written in full in one, a pointer in
 * the other). Resolvers that randomise case (0x20) miss the cache; the
 * answers stay byte for byte those of a fresh lookup.
 */
export function answerKey(query: Uint8Array, start: number, nameEnd: number, type: number, klass: number, variant: number, limit: number): string {
  return String.fromCharCode.apply(null, query.subarray(start, nameEnd) as unknown as number[]) + String.fromCharCode(type, klass, variant, limit);
}
