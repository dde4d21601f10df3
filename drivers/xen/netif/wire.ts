/*
 * netif ring formats (public/io/netif.h). Little-endian. Decoders never throw for any
 * bytes at a valid offset; encoders mask fields to their widths.
 *
 * TX ring entry = max(tx_request 12, tx_response 4) = 12 bytes; an extra-info
 * (8 bytes) may occupy a request slot after one flagged NETTXF_extra_info.
 * RX ring entry = max(rx_request 8, rx_response 8) = 8 bytes; an extra-info occupies
 * a response slot after one flagged NETRXF_extra_info.
 */

export const NETIF_TX_ENTRY_BYTES = 12;
export const NETIF_RX_ENTRY_BYTES = 8;
export const NETIF_EXTRA_INFO_BYTES = 8;

export const NETTXF_csum_blank = 1 << 0;
export const NETTXF_data_validated = 1 << 1;
export const NETTXF_more_data = 1 << 2;
export const NETTXF_extra_info = 1 << 3;

export const NETRXF_data_validated = 1 << 0;
export const NETRXF_csum_blank = 1 << 1;
export const NETRXF_more_data = 1 << 2;
export const NETRXF_extra_info = 1 << 3;
export const NETRXF_gso_prefix = 1 << 4;

export const NETIF_RSP_DROPPED = -2;
export const NETIF_RSP_ERROR = -1;
export const NETIF_RSP_OKAY = 0;
/** Response to an extra-info request slot (carries no data). */
export const NETIF_RSP_NULL = 1;

export const XEN_NETIF_EXTRA_TYPE_NONE = 0;
export const XEN_NETIF_EXTRA_TYPE_GSO = 1;
export const XEN_NETIF_EXTRA_TYPE_MCAST_ADD = 2;
export const XEN_NETIF_EXTRA_TYPE_MCAST_DEL = 3;
export const XEN_NETIF_EXTRA_TYPE_HASH = 4;
export const XEN_NETIF_EXTRA_FLAG_MORE = 1 << 0;

export interface TxRequest { gref: number; offset: number; flags: number; id: number; size: number }
export interface TxResponse { id: number; status: number }
export interface RxRequest { id: number; gref: number }
export interface RxResponse { id: number; offset: number; flags: number; status: number }
/** Extra info, parsed only enough to skip it safely (type, flags incl. MORE, and GSO fields). */
export interface ExtraInfo { type: number; flags: number; gsoSize: number; gsoType: number; gsoFeatures: number }

const LE = true;

export function encodeTxRequest(dv: DataView, off: number, r: TxRequest): void {
  dv.setUint32(off, r.gref >>> 0, LE);
  dv.setUint16(off + 4, r.offset & 0xffff, LE);
  dv.setUint16(off + 6, r.flags & 0xffff, LE);
  dv.setUint16(off + 8, r.id & 0xffff, LE);
  dv.setUint16(off + 10, r.size & 0xffff, LE);
}
export function decodeTxRequest(dv: DataView, off: number): TxRequest {
  return {
    gref: dv.getUint32(off, LE),
    offset: dv.getUint16(off + 4, LE),
    flags: dv.getUint16(off + 6, LE),
    id: dv.getUint16(off + 8, LE),
    size: dv.getUint16(off + 10, LE),
  };
}

export function encodeTxResponse(dv: DataView, off: number, r: TxResponse): void {
  dv.setUint16(off, r.id & 0xffff, LE);
  dv.setInt16(off + 2, r.status, LE);
}
export function decodeTxResponse(dv: DataView, off: number): TxResponse {
  return { id: dv.getUint16(off, LE), status: dv.getInt16(off + 2, LE) };
}

export function encodeRxRequest(dv: DataView, off: number, r: RxRequest): void {
  dv.setUint16(off, r.id & 0xffff, LE);
  dv.setUint16(off + 2, 0, LE);
  dv.setUint32(off + 4, r.gref >>> 0, LE);
}
export function decodeRxRequest(dv: DataView, off: number): RxRequest {
  return { id: dv.getUint16(off, LE), gref: dv.getUint32(off + 4, LE) };
}

export function encodeRxResponse(dv: DataView, off: number, r: RxResponse): void {
  dv.setUint16(off, r.id & 0xffff, LE);
  dv.setUint16(off + 2, r.offset & 0xffff, LE);
  dv.setUint16(off + 4, r.flags & 0xffff, LE);
  dv.setInt16(off + 6, r.status, LE);
}
export function decodeRxResponse(dv: DataView, off: number): RxResponse {
  return {
    id: dv.getUint16(off, LE),
    offset: dv.getUint16(off + 2, LE),
    flags: dv.getUint16(off + 4, LE),
    status: dv.getInt16(off + 6, LE),
  };
}

/* netif_extra_info: u8 type, u8 flags, union { gso { u16 size; u8 type; u8 pad; u16 features }, mcast { u8 addr[6] }, ... } */
export function encodeExtraInfo(dv: DataView, off: number, e: ExtraInfo): void {
  dv.setUint8(off, e.type & 0xff);
  dv.setUint8(off + 1, e.flags & 0xff);
  dv.setUint16(off + 2, e.gsoSize & 0xffff, LE);
  dv.setUint8(off + 4, e.gsoType & 0xff);
  dv.setUint8(off + 5, 0);
  dv.setUint16(off + 6, e.gsoFeatures & 0xffff, LE);
}
export function decodeExtraInfo(dv: DataView, off: number): ExtraInfo {
  return {
    type: dv.getUint8(off),
    flags: dv.getUint8(off + 1),
    gsoSize: dv.getUint16(off + 2, LE),
    gsoType: dv.getUint8(off + 4),
    gsoFeatures: dv.getUint16(off + 6, LE),
  };
}
