/*
 * The image's copy of the bytecode: the host compiler's blob with its
 * bytecode deflated (about a third of its size). The kernel inflates it
 * straight into the buffer the engine loads from (kernel/core/inflate.c), so
 * the image shrinks and RAM holds no extra copy. Header layout: kernel.h.
 */
import { createHash } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';

const HEADER = 96;
const STORED_LENGTH = 12;
const INFLATED_LENGTH = 20;
const DIGEST = 56;

export function packBlob(blob: Uint8Array): Buffer {
  const bytecode = blob.subarray(HEADER);
  const stream = deflateRawSync(bytecode, { level: 9, memLevel: 9 });
  if (stream.length >= bytecode.length) return Buffer.from(blob);
  const header = Buffer.from(blob.subarray(0, HEADER));
  header.writeUInt32LE(stream.length, STORED_LENGTH);
  header.writeUInt32LE(bytecode.length, INFLATED_LENGTH);
  createHash('sha256').update(stream).digest().copy(header, DIGEST);
  return Buffer.concat([header, stream]);
}
