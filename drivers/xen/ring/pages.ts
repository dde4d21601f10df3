/*
 * The granted-page abstraction the pure front ends use. The kernel adapter implements it
 * with page-aligned external buffers and grant_access/grant_end natives; tests implement
 * it with a Map the fake backend reads (as a backend maps or copies a grant).
 */

export const XEN_PAGE_SIZE = 4096;

export interface GrantedPage {
  /** Grant reference the backend uses for this page. */
  readonly gref: number;
  /** The page bytes (XEN_PAGE_SIZE long). */
  readonly data: Uint8Array;
}

export type GrantAccess = 'ro' | 'rw';

export interface PageGranter {
  /** A page granted to the backend with the given access, or null when none is available now. */
  alloc(access: GrantAccess): GrantedPage | null;
  /** Hand a page back (the adapter ends or recycles its grant). */
  free(page: GrantedPage): void;
}
