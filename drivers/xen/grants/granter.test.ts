import { describe, expect, it } from 'vitest';
import { fakeXenIO } from '../../testing/fake-io';
import { xenIO } from '../xen-io';
import { KernelGranter, endGrants, grantRingPages } from './granter';

function setup(pages?: number) {
  const env = fakeXenIO({ pages });
  return { ...env, xio: xenIO(env.io, 'test') };
}

describe('KernelGranter', () => {
  it('grants kernel pages to the backend, read-only or read-write as asked, page-aligned', () => {
    const { xen, xio } = setup();
    const g = new KernelGranter(xio, 7, { ro: 4, rw: 4 });
    const ro = g.alloc('ro')!;
    const rw = g.alloc('rw')!;
    expect(xen.grants.get(ro.gref)).toMatchObject({ domid: 7, readOnly: true });
    expect(xen.grants.get(rw.gref)).toMatchObject({ domid: 7, readOnly: false });
    // the backend sees the very bytes the front end writes
    ro.data[5] = 0xab;
    expect(xen.grants.get(ro.gref)!.page[5]).toBe(0xab);
    expect(ro.data.length).toBe(4096);
    expect(ro.data.byteOffset % 4096).toBe(0);
    expect(xen.pagesTaken()).toBe(16); // one chunk
  });

  it('keeps each kind within its limit, and hands a freed page out again with its grant', () => {
    const { xen, xio } = setup();
    const g = new KernelGranter(xio, 0, { ro: 2, rw: 1 });
    const a = g.alloc('ro')!;
    const b = g.alloc('ro')!;
    expect(g.alloc('ro')).toBeNull();
    expect(g.alloc('rw')).not.toBeNull();
    expect(g.alloc('rw')).toBeNull();
    g.free(a);
    const c = g.alloc('ro')!;
    expect(c.gref).toBe(a.gref);
    expect(xen.grants.size).toBe(3);
    expect(b.gref).not.toBe(a.gref);
  });

  it('ends every grant at close, keeps pages the backend still maps aside, and reuses the others', () => {
    const { xen, xio } = setup();
    const g = new KernelGranter(xio, 0, { ro: 8, rw: 8 });
    const pages = [g.alloc('rw')!, g.alloc('rw')!, g.alloc('ro')!];
    xen.mapped.add(pages[1].gref);
    g.close();
    expect([...xen.grants.keys()]).toEqual([pages[1].gref]);
    expect(g.stuckPages).toBe(1);
    const again = [g.alloc('rw')!, g.alloc('rw')!];
    expect(again.map((p) => p.data)).not.toContain(pages[1].data);
    expect(xen.pagesTaken()).toBe(16);
    expect(xen.misuse).toEqual([]);
  });

  it('answers null when the kernel has no pages left', () => {
    const { xio } = setup(0);
    expect(new KernelGranter(xio, 0, { ro: 8, rw: 8 }).alloc('rw')).toBeNull();
  });
});

describe('ring grants', () => {
  it('grants ring pages read-write in order and ends them once', () => {
    const { xen, xio, io } = setup();
    const mem = new Uint8Array(io.kernel.pages(2));
    const refs = grantRingPages(xio, 3, [mem.subarray(0, 4096), mem.subarray(4096)]);
    expect(refs.map((r) => xen.grants.get(r)!.readOnly)).toEqual([false, false]);
    mem[4096] = 9;
    expect(xen.grants.get(refs[1])!.page[0]).toBe(9);
    endGrants(xio, refs);
    expect(xen.grants.size).toBe(0);
    endGrants(xio, refs); // ended already: left be
    expect(xen.grants.size).toBe(0);
  });
});
