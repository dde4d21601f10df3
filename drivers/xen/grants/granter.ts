/*
 * Grant tables for the pure cores: pages from the kernel's pool granted to a
 * backend domain (the PageGranter the netif and blkif cores take), and the
 * grants of the shared ring pages themselves.
 */
import { XEN_PAGE_SIZE, type GrantAccess, type GrantedPage, type PageGranter } from '../ring/pages';
import type { XenIO } from '../xen-io';

/** Pages this many at a time from the kernel pool. */
const CHUNK_PAGES = 16;

type Page = GrantedPage & { access: GrantAccess };

/**
 * Pages granted to one backend domain, at most `limits[access]` of each kind
 * out at once (so RX buffers cannot starve TX). A freed page keeps its grant
 * and is handed out again (the backend holds it already); `close` ends every
 * grant, keeping aside pages the backend still maps.
 */
export class KernelGranter implements PageGranter {
  private readonly idle: { ro: Page[]; rw: Page[] } = { ro: [], rw: [] };
  private readonly out = { ro: 0, rw: 0 };
  private readonly fresh: Uint8Array[] = [];
  private readonly granted: Page[] = [];
  private readonly stuck: Page[] = [];

  constructor(private readonly io: XenIO, public domid: number, private readonly limits: { ro: number; rw: number }) {}

  alloc(access: GrantAccess): GrantedPage | null {
    if (this.out[access] >= this.limits[access]) return null;
    let page = this.idle[access].pop();
    if (!page) {
      const data = this.freshPage();
      if (data === null) return null;
      page = { gref: this.io.xen.grantAccess(this.domid, data, access === 'ro'), data, access };
      this.granted.push(page);
    }
    this.out[access]++;
    return page;
  }

  free(page: GrantedPage): void {
    const p = page as Page;
    this.out[p.access]--;
    this.idle[p.access].push(p);
  }

  /** Ends every grant; pages the backend still maps stay aside for good. */
  close(): void {
    for (let i = 0; i < this.granted.length; i++) {
      const page = this.granted[i];
      let ended = false;
      try { ended = this.io.xen.grantEnd(page.gref); } catch (e) { ended = false; }
      if (ended) this.fresh.push(page.data);
      else this.stuck.push(page);
    }
    this.granted.length = 0;
    this.idle.ro.length = 0;
    this.idle.rw.length = 0;
    this.out.ro = 0;
    this.out.rw = 0;
  }

  /** Pages kept from the backend at close (still mapped there). */
  get stuckPages(): number { return this.stuck.length; }

  private freshPage(): Uint8Array | null {
    if (this.fresh.length) return this.fresh.pop() as Uint8Array;
    let buffer: ArrayBuffer;
    try { buffer = this.io.kernel.pages(CHUNK_PAGES); } catch (e) { return null; }
    for (let i = CHUNK_PAGES - 1; i > 0; i--) this.fresh.push(new Uint8Array(buffer, i * XEN_PAGE_SIZE, XEN_PAGE_SIZE));
    return new Uint8Array(buffer, 0, XEN_PAGE_SIZE);
  }
}

/** Grants `domid` read-write access to each shared ring page; the refs, in order. */
export function grantRingPages(io: XenIO, domid: number, pages: Uint8Array[]): number[] {
  const refs: number[] = [];
  for (let i = 0; i < pages.length; i++) refs.push(io.xen.grantAccess(domid, pages[i], false));
  return refs;
}

/** Ends ring grants at teardown; a ref already ended (or still mapped) is left be. */
export function endGrants(io: XenIO, refs: number[]): void {
  for (let i = 0; i < refs.length; i++) {
    try { io.xen.grantEnd(refs[i]); } catch (e) { /* ended already */ }
  }
}
