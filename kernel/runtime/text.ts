/*
 * TextEncoder and TextDecoder (UTF-8 only) per the WHATWG Encoding
 * Standard: lone surrogates encode as U+FFFD; decoding replaces each
 * maximal ill-formed subpart with one U+FFFD, or throws with `fatal`.
 * Streaming (`{ stream: true }`) keeps an incomplete trailing sequence for
 * the next call.
 */
import { utf8Length } from '../../lib/utf8';

export { utf8Length };

/** Writes s as UTF-8 into out from 0; stops before a character that does not fit. */
function encodeTo(s: string, out: Uint8Array): { read: number; written: number } {
  let w = 0;
  let i = 0;
  for (; i < s.length; i++) {
    let c = s.charCodeAt(i);
    let units = 1;
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && (d & 0xfc00) === 0xdc00) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        units = 2;
      } else {
        c = 0xfffd;
      }
    }
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    if (w + size > out.length) break;
    if (size === 1) out[w++] = c;
    else if (size === 2) { out[w++] = 0xc0 | (c >> 6); out[w++] = 0x80 | (c & 63); }
    else if (size === 3) { out[w++] = 0xe0 | (c >> 12); out[w++] = 0x80 | ((c >> 6) & 63); out[w++] = 0x80 | (c & 63); }
    else { out[w++] = 0xf0 | (c >> 18); out[w++] = 0x80 | ((c >> 12) & 63); out[w++] = 0x80 | ((c >> 6) & 63); out[w++] = 0x80 | (c & 63); }
    i += units - 1;
  }
  return { read: i, written: w };
}

export class NymoteTextEncoder {
  get encoding(): string { return 'utf-8'; }

  encode(input?: string): Uint8Array {
    const s = input === undefined ? '' : String(input);
    const out = new Uint8Array(utf8Length(s));
    encodeTo(s, out);
    return out;
  }

  encodeInto(source: string, destination: Uint8Array): { read: number; written: number } {
    return encodeTo(String(source), destination);
  }
}

function toBytes(input: unknown): Uint8Array {
  if (input === undefined) return new Uint8Array(0);
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new TypeError('The "input" argument must be an ArrayBuffer or ArrayBufferView');
}

export class NymoteTextDecoder {
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;
  private pending: number[] = [];
  private bomSeen = false;

  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean }) {
    const l = label === undefined ? 'utf-8' : String(label).trim().toLowerCase();
    if (l !== 'utf-8' && l !== 'utf8' && l !== 'unicode-1-1-utf-8') {
      throw new RangeError('The "' + label + '" encoding is not supported');
    }
    this.fatal = !!(options && options.fatal);
    this.ignoreBOM = !!(options && options.ignoreBOM);
  }

  get encoding(): string { return 'utf-8'; }

  decode(input?: ArrayBuffer | ArrayBufferView, options?: { stream?: boolean }): string {
    let bytes = toBytes(input);
    const stream = !!(options && options.stream);
    if (this.pending.length) {
      const joined = new Uint8Array(this.pending.length + bytes.length);
      joined.set(this.pending, 0);
      joined.set(bytes, this.pending.length);
      bytes = joined;
      this.pending = [];
    }
    const parts: string[] = [];
    let codes: number[] = [];
    const emit = (cp: number) => {
      if (cp > 0xffff) {
        cp -= 0x10000;
        codes.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
      } else {
        codes.push(cp);
      }
      if (codes.length >= 4096) { parts.push(String.fromCharCode.apply(null, codes)); codes = []; }
    };
    const bad = () => {
      if (this.fatal) { this.pending = []; this.bomSeen = false; throw new TypeError('The encoded data was not valid for encoding utf-8'); }
      emit(0xfffd);
    };
    let i = 0;
    while (i < bytes.length) {
      const b = bytes[i];
      if (b < 0x80) { emit(b); i++; continue; }
      let need: number;
      let cp: number;
      let lower = 0x80;
      let upper = 0xbf;
      if (b >= 0xc2 && b <= 0xdf) { need = 1; cp = b & 0x1f; }
      else if (b >= 0xe0 && b <= 0xef) {
        need = 2; cp = b & 0xf;
        if (b === 0xe0) lower = 0xa0;
        if (b === 0xed) upper = 0x9f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3; cp = b & 0x7;
        if (b === 0xf0) lower = 0x90;
        if (b === 0xf4) upper = 0x8f;
      } else { bad(); i++; continue; }
      let j = 1;
      for (; j <= need && i + j < bytes.length; j++) {
        const c = bytes[i + j];
        if (c < lower || c > upper) break;
        lower = 0x80;
        upper = 0xbf;
        cp = (cp << 6) | (c & 0x3f);
      }
      if (j > need) { emit(cp); i += j; continue; }
      if (i + j >= bytes.length && stream) {
        // An incomplete but so far valid sequence at the end: wait for more.
        for (let k = i; k < bytes.length; k++) this.pending.push(bytes[k]);
        break;
      }
      bad();
      i += j; // the maximal subpart is the bytes that were valid so far
    }
    if (codes.length) parts.push(String.fromCharCode.apply(null, codes));
    let out = parts.join('');
    if (!this.ignoreBOM && !this.bomSeen && out.length) {
      if (out.charCodeAt(0) === 0xfeff) out = out.slice(1);
      this.bomSeen = true;
    }
    if (!stream) this.bomSeen = false;
    return out;
  }
}

/** Installs TextEncoder/TextDecoder where the engine lacks them. */
export function install(global: Record<string, unknown>): void {
  const table: [string, unknown][] = [['TextEncoder', NymoteTextEncoder], ['TextDecoder', NymoteTextDecoder]];
  for (let i = 0; i < table.length; i++) {
    if (typeof global[table[i][0]] === 'function') continue;
    try { Object.defineProperty(table[i][1], 'name', { value: table[i][0], configurable: true }); } catch (_e) { /* fixed name */ }
    Object.defineProperty(global, table[i][0], { value: table[i][1], writable: true, configurable: true, enumerable: false });
  }
}
