import { describe, expect, it } from 'vitest';
import { ArpTable, DEFAULT_ARP_LIMITS } from './table';

const MAC = new Uint8Array([2, 0, 0, 0, 0, 5]);
const pkt = (n: number) => new Uint8Array([n]);

describe('ARP table', () => {
  it('resolves: queue, learn, flush in order, then lookups hit until expiry', () => {
    const t = new ArpTable();
    expect(t.lookup(10, 0)).toBeUndefined();
    expect(t.enqueue(10, pkt(1), 0)).toBe('request');
    expect(t.enqueue(10, pkt(2), 0)).toBe('queued');
    const waiting = t.learn(10, MAC, 5, false)!;
    expect(waiting.map((p) => p[0])).toEqual([1, 2]);
    expect(t.queuedPackets()).toBe(0);
    expect(Array.from(t.lookup(10, 6)!)).toEqual(Array.from(MAC));
    expect(t.lookup(10, 5 + DEFAULT_ARP_LIMITS.resolvedTtlMs - 1)).toBeDefined();
    expect(t.lookup(10, 5 + DEFAULT_ARP_LIMITS.resolvedTtlMs)).toBeUndefined();
  });

  it('retries every second and fails after three requests, dropping the queue', () => {
    const t = new ArpTable();
    t.enqueue(10, pkt(1), 0);
    t.enqueue(10, pkt(2), 0);
    expect(t.nextDeadline()).toBe(1000);
    expect(t.due(999)).toEqual({ retry: [], failed: [] });
    expect(t.due(1000)).toEqual({ retry: [10], failed: [] });
    expect(t.due(2000)).toEqual({ retry: [10], failed: [] });
    expect(t.due(3000)).toEqual({ retry: [], failed: [{ address: 10, dropped: 2 }] });
    expect(t.size()).toBe(0);
    expect(t.queuedPackets()).toBe(0);
    expect(t.nextDeadline()).toBeUndefined();
  });

  it('learns only existing entries unless asked to create (RFC 826 merge)', () => {
    const t = new ArpTable();
    expect(t.learn(7, MAC, 0, false)).toBeNull();
    expect(t.lookup(7, 0)).toBeUndefined();
    expect(t.learn(7, MAC, 0, true)).toEqual([]);
    const other = new Uint8Array([2, 0, 0, 0, 0, 6]);
    t.learn(7, other, 1, false);
    expect(Array.from(t.lookup(7, 1)!)).toEqual(Array.from(other));
  });

  it('copies the MAC it learns (received views are reused)', () => {
    const t = new ArpTable();
    const view = MAC.slice();
    t.learn(7, view, 0, true);
    view[5] = 99;
    expect(t.lookup(7, 0)![5]).toBe(5);
  });

  it('bounds the queue per destination and overall', () => {
    const t = new ArpTable({ ...DEFAULT_ARP_LIMITS, maxQueuePerDestination: 2, maxQueuedPackets: 3 });
    expect(t.enqueue(1, pkt(1), 0)).toBe('request');
    expect(t.enqueue(1, pkt(2), 0)).toBe('queued');
    expect(t.enqueue(1, pkt(3), 0)).toBe('queue-full');
    expect(t.enqueue(2, pkt(4), 0)).toBe('request');
    expect(t.enqueue(2, pkt(5), 0)).toBe('queue-full');
    expect(t.enqueue(3, pkt(6), 0)).toBe('queue-full');
    expect(t.queuedPackets()).toBe(3);
  });

  it('bounds the entries: evicts the resolved entry closest to expiry, never a pending one', () => {
    const t = new ArpTable({ ...DEFAULT_ARP_LIMITS, maxEntries: 2 });
    t.learn(1, MAC, 0, true);
    t.learn(2, MAC, 10, true);
    t.learn(3, MAC, 20, true);
    expect(t.size()).toBe(2);
    expect(t.lookup(1, 20)).toBeUndefined();
    expect(t.lookup(3, 20)).toBeDefined();
    expect(t.enqueue(4, pkt(1), 30)).toBe('request');
    expect(t.enqueue(5, pkt(1), 30)).toBe('request');
    expect(t.enqueue(6, pkt(1), 30)).toBe('table-full');
    expect(t.learn(7, MAC, 30, true)).toBeNull();
  });
});
