/*
 * A frame the backend marks NETRXF_csum_blank carries a TCP or UDP checksum
 * that is only begun: its field holds the folded pseudo-header sum (Linux's
 * CHECKSUM_PARTIAL, from a sender in dom0 with checksum offload). Our stack
 * checks every checksum, so the driver finishes it first. We ask backends
 * not to send these (feature-no-csum-offload); this covers one that does.
 */
import { finishChecksum, sumBytes } from '../../../lib/checksum';

const ETHERTYPE_IPV4 = 0x0800;
const TCP = 6;
const UDP = 17;

/** Finishes the L4 checksum in place; false when the frame is not one it can finish (left as it is). */
export function completePartialChecksum(frame: Uint8Array): boolean {
  if (frame.length < 14 + 20 || ((frame[12] << 8) | frame[13]) !== ETHERTYPE_IPV4) return false;
  const ip = 14;
  if (frame[ip] >> 4 !== 4) return false;
  const headerBytes = (frame[ip] & 0x0f) * 4;
  const totalBytes = (frame[ip + 2] << 8) | frame[ip + 3];
  if (headerBytes < 20 || totalBytes < headerBytes || ip + totalBytes > frame.length) return false;
  if (((frame[ip + 6] & 0x3f) | frame[ip + 7]) !== 0) return false; // a fragment has no whole segment
  const protocol = frame[ip + 9];
  const l4 = ip + headerBytes;
  const end = ip + totalBytes;
  const field = protocol === TCP ? l4 + 16 : protocol === UDP ? l4 + 6 : -1;
  if (field < 0 || field + 2 > end) return false;
  // The field's pseudo-header sum is part of what gets summed.
  let value = finishChecksum(sumBytes(frame, l4, end));
  if (protocol === UDP && value === 0) value = 0xffff; // 0 means "no checksum" in UDP
  frame[field] = value >> 8;
  frame[field + 1] = value & 0xff;
  return true;
}
