/*
 * Memoised answers (MirageOS's trick): zones do not change while served,
 * so the bytes of an answer depend only on the question, the EDNS state
 * and the size limit. A hit costs a copy and three patches (see
 * responder.ts). Bounded: past `capacity` the oldest entry goes, which
 * keeps random-name floods from growing the heap.
 */
export interface AnswerCache {
  get(key: string): Uint8Array | undefined;
  set(key: string, answer: Uint8Array): void;
  readonly size: number;
}

export function createAnswerCache(capacity: number): AnswerCache {
  const entries = new Map<string, Uint8Array>();
  return {
    get: function (key) { return entries.get(key); },
    set: function (key, answer) {
      if (capacity <= 0) return;
      if (entries.size >= capacity) entries.delete(entries.keys().next().value as string);
      entries.set(key, answer);
    },
    get size() { return entries.size; },
  };
}
