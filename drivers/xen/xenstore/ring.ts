/*
 * The xenstore shared page (struct xenstore_domain_interface, io/xs_wire.h):
 *
 *   char req[1024];  requests, guest → xenstored
 *   char rsp[1024];  replies and watch events, xenstored → guest
 *   uint32 req_cons, req_prod, rsp_cons, rsp_prod;   free-running indices
 *   uint32 server_features, connection, error;
 *
 * Pure functions over a Uint8Array view of the page: no notifications, no
 * state of their own. Indices are free-running uint32s; a byte index is
 * MASK(idx) = idx & 1023. Both ends are here: the front end (the guest:
 * writes req, reads rsp) and the back end (xenstored, used by the tests).
 *
 * Memory barriers: JS has none. On the real page the kernel's event-channel
 * notify (a hypercall) orders our stores before the peer sees the
 * notification, and the accessor natives are the place for barriers. The
 * points where xenstored's C clients put them are marked by the optional
 * `barriers` callbacks (no-ops by default) so a native can be slotted in.
 */

export const XENSTORE_RING_SIZE = 1024;
export const REQ_OFFSET = 0;
export const RSP_OFFSET = 1024;
export const REQ_CONS = 2048;
export const REQ_PROD = 2052;
export const RSP_CONS = 2056;
export const RSP_PROD = 2060;
export const SERVER_FEATURES = 2064;
export const CONNECTION = 2068;
export const ERROR = 2072;
/** Bytes of the page the interface uses. */
export const INTERFACE_SIZE = 2076;

export const XENSTORE_SERVER_FEATURE_RECONNECTION = 1;
export const XENSTORE_SERVER_FEATURE_ERROR = 2;
export const XENSTORE_CONNECTED = 0;
export const XENSTORE_RECONNECT = 1;
export const XENSTORE_ERROR_NONE = 0;
export const XENSTORE_ERROR_COMM = 1;
export const XENSTORE_ERROR_RINGIDX = 2;
export const XENSTORE_ERROR_PROTO = 3;

export function mask(idx: number): number {
  return idx & (XENSTORE_RING_SIZE - 1);
}

export interface RingBarriers {
  /** Read barrier: after reading the peer's producer index, before reading data. */
  rmb(): void;
  /** Write barrier: after writing data, before publishing the producer index. */
  wmb(): void;
  /** Full barrier: after consuming data, before publishing the consumer index. */
  mb(): void;
}

const noop = (): void => {};
export const NO_BARRIERS: RingBarriers = { rmb: noop, wmb: noop, mb: noop };

function view(page: Uint8Array): DataView {
  return new DataView(page.buffer, page.byteOffset, page.byteLength);
}

export interface RingIndices { reqCons: number; reqProd: number; rspCons: number; rspProd: number }

export function readIndices(page: Uint8Array): RingIndices {
  const dv = view(page);
  return {
    reqCons: dv.getUint32(REQ_CONS, true),
    reqProd: dv.getUint32(REQ_PROD, true),
    rspCons: dv.getUint32(RSP_CONS, true),
    rspProd: dv.getUint32(RSP_PROD, true),
  };
}

export function readConnection(page: Uint8Array): number { return view(page).getUint32(CONNECTION, true); }
export function readError(page: Uint8Array): number { return view(page).getUint32(ERROR, true); }
export function readServerFeatures(page: Uint8Array): number { return view(page).getUint32(SERVER_FEATURES, true); }

/** Bytes in flight between cons and prod, or -1 when the indices are inconsistent (> ring size). */
export function used(cons: number, prod: number): number {
  const n = (prod - cons) >>> 0;
  return n > XENSTORE_RING_SIZE ? -1 : n;
}

/* --- generic ring halves --------------------------------------------- */

function space(page: Uint8Array, consOff: number, prodOff: number): number {
  const dv = view(page);
  const n = used(dv.getUint32(consOff, true), dv.getUint32(prodOff, true));
  return n < 0 ? -1 : XENSTORE_RING_SIZE - n;
}

function available(page: Uint8Array, consOff: number, prodOff: number): number {
  const dv = view(page);
  return used(dv.getUint32(consOff, true), dv.getUint32(prodOff, true));
}

/** Producer: copies as much of `data` as fits; returns bytes written (0 on a corrupt ring). */
function produce(page: Uint8Array, dataOff: number, consOff: number, prodOff: number, data: Uint8Array, b: RingBarriers): number {
  const dv = view(page);
  const cons = dv.getUint32(consOff, true);
  const prod = dv.getUint32(prodOff, true);
  b.mb(); // read the peer's cons before overwriting the bytes it freed
  const inFlight = used(cons, prod);
  if (inFlight < 0) return 0;
  const n = Math.min(XENSTORE_RING_SIZE - inFlight, data.length);
  let written = 0;
  while (written < n) {
    const at = mask(prod + written);
    const chunk = Math.min(n - written, XENSTORE_RING_SIZE - at);
    page.set(data.subarray(written, written + chunk), dataOff + at);
    written += chunk;
  }
  b.wmb(); // data visible before the new prod
  dv.setUint32(prodOff, (prod + n) >>> 0, true);
  return n;
}

/** Consumer: copies out up to `max` available bytes (a fresh array); null on a corrupt ring. */
function consume(page: Uint8Array, dataOff: number, consOff: number, prodOff: number, max: number, b: RingBarriers): Uint8Array | null {
  const dv = view(page);
  const cons = dv.getUint32(consOff, true);
  const prod = dv.getUint32(prodOff, true);
  const avail = used(cons, prod);
  if (avail < 0) return null;
  b.rmb(); // prod read before the data it covers
  const n = Math.min(avail, max);
  const out = new Uint8Array(n);
  let read = 0;
  while (read < n) {
    const at = mask(cons + read);
    const chunk = Math.min(n - read, XENSTORE_RING_SIZE - at);
    out.set(page.subarray(dataOff + at, dataOff + at + chunk), read);
    read += chunk;
  }
  b.mb(); // data copied out before the slots are handed back
  dv.setUint32(consOff, (cons + n) >>> 0, true);
  return out;
}

/* --- front end (the guest) ------------------------------------------- */

/** Free bytes in req (0..1024), or -1 when the indices are corrupt. */
export function requestSpace(page: Uint8Array): number {
  return space(page, REQ_CONS, REQ_PROD);
}

/** Writes as much of `data` as fits into req; returns the count. The caller notifies. */
export function writeRequest(page: Uint8Array, data: Uint8Array, barriers: RingBarriers = NO_BARRIERS): number {
  return produce(page, REQ_OFFSET, REQ_CONS, REQ_PROD, data, barriers);
}

/** Unread bytes in rsp, or -1 when the indices are corrupt. */
export function responseAvailable(page: Uint8Array): number {
  return available(page, RSP_CONS, RSP_PROD);
}

/** Reads (and consumes) up to `max` bytes of rsp; null when the indices are corrupt. */
export function readResponse(page: Uint8Array, max = XENSTORE_RING_SIZE, barriers: RingBarriers = NO_BARRIERS): Uint8Array | null {
  return consume(page, RSP_OFFSET, RSP_CONS, RSP_PROD, max, barriers);
}

/* --- back end (xenstored; for tests and a future in-image server) ---- */

export function responseSpace(page: Uint8Array): number {
  return space(page, RSP_CONS, RSP_PROD);
}

export function writeResponse(page: Uint8Array, data: Uint8Array, barriers: RingBarriers = NO_BARRIERS): number {
  return produce(page, RSP_OFFSET, RSP_CONS, RSP_PROD, data, barriers);
}

export function requestAvailable(page: Uint8Array): number {
  return available(page, REQ_CONS, REQ_PROD);
}

export function readRequest(page: Uint8Array, max = XENSTORE_RING_SIZE, barriers: RingBarriers = NO_BARRIERS): Uint8Array | null {
  return consume(page, REQ_OFFSET, REQ_CONS, REQ_PROD, max, barriers);
}
