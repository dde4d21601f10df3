/* Web Crypto's random part, from kernel entropy. */
const MAX_BYTES = 65536;

type IntegerArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array;

function isIntegerArray(v: unknown): v is IntegerArray {
  return v instanceof Int8Array || v instanceof Uint8Array || v instanceof Uint8ClampedArray ||
    v instanceof Int16Array || v instanceof Uint16Array || v instanceof Int32Array || v instanceof Uint32Array;
}

export function getRandomValues<T extends ArrayBufferView | null>(array: T): T {
  if (!isIntegerArray(array)) {
    const e = new TypeError("Failed to execute 'getRandomValues': The provided ArrayBufferView is not an integer array type");
    (e as TypeError & { name: string }).name = 'TypeMismatchError';
    throw e;
  }
  if (array.byteLength > MAX_BYTES) {
    const e = new RangeError("Failed to execute 'getRandomValues': The ArrayBufferView's byte length (" +
      array.byteLength + ') exceeds the number of bytes of entropy available via this API (65536).');
    (e as RangeError & { name: string }).name = 'QuotaExceededError';
    throw e;
  }
  __kernel.entropy(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  return array;
}

export function randomUUID(): string {
  const b = getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  }
  return s;
}
