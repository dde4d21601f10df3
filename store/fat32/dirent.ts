/*
 * Directory entries (fatgen103 §6 "FAT Directory Structure" and §7 "FAT
 * Long Directory Entries"): the 32-byte short (8.3) entry, the long-name
 * (VFAT) entries that precede it holding the name in UTF-16, the checksum
 * that ties them together, and short-name ("basis name" + "~n" numeric
 * tail) generation.
 */
import { FsError } from './errors';
import { u16, u32, w16, w32 } from './le';

export const ENTRY_SIZE = 32;
export const ATTR_READ_ONLY = 0x01;
export const ATTR_HIDDEN = 0x02;
export const ATTR_SYSTEM = 0x04;
export const ATTR_VOLUME_ID = 0x08;
export const ATTR_DIRECTORY = 0x10;
export const ATTR_ARCHIVE = 0x20;
/** READ_ONLY | HIDDEN | SYSTEM | VOLUME_ID marks a long-name entry (§7). */
export const ATTR_LONG_NAME = 0x0f;
export const ATTR_LONG_NAME_MASK = 0x3f;
/** DIR_Name[0] of a free entry, and of the end of the directory (§6.1). */
export const DELETED = 0xe5;
export const END = 0x00;
/** Windows NT's DIR_NTRes bits: the base / extension is shown in lower case. */
export const NTRES_LOWER_BASE = 0x08;
export const NTRES_LOWER_EXT = 0x10;
/** The most UTF-16 units in a long name (§7: 255 characters). */
export const MAX_LONG_NAME = 255;
/** Each long-name entry holds 13 UTF-16 units. */
export const LFN_CHARS = 13;
const LFN_LAST = 0x40;
const LFN_OFFSETS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];

export interface ShortEntry {
  /** DIR_Name: 11 bytes as an 11-character string of char codes 0-255. */
  name: string;
  attr: number;
  ntRes: number;
  crtTenth: number;
  crtTime: number;
  crtDate: number;
  accDate: number;
  cluster: number;
  wrtTime: number;
  wrtDate: number;
  size: number;
}

export function decodeShort(b: Uint8Array, o: number): ShortEntry {
  let name = '';
  for (let i = 0; i < 11; i++) name += String.fromCharCode(b[o + i]);
  return {
    name: name,
    attr: b[o + 11],
    ntRes: b[o + 12],
    crtTenth: b[o + 13],
    crtTime: u16(b, o + 14),
    crtDate: u16(b, o + 16),
    accDate: u16(b, o + 18),
    cluster: ((u16(b, o + 20) << 16) | u16(b, o + 26)) >>> 0 & 0x0fffffff,
    wrtTime: u16(b, o + 22),
    wrtDate: u16(b, o + 24),
    size: u32(b, o + 28),
  };
}

export function encodeShort(e: ShortEntry, b: Uint8Array, o: number): void {
  for (let i = 0; i < 11; i++) b[o + i] = e.name.charCodeAt(i) & 0xff;
  b[o + 11] = e.attr;
  b[o + 12] = e.ntRes;
  b[o + 13] = e.crtTenth;
  w16(b, o + 14, e.crtTime);
  w16(b, o + 16, e.crtDate);
  w16(b, o + 18, e.accDate);
  w16(b, o + 20, (e.cluster >>> 16) & 0xffff);
  w16(b, o + 22, e.wrtTime);
  w16(b, o + 24, e.wrtDate);
  w16(b, o + 26, e.cluster & 0xffff);
  w32(b, o + 28, e.size);
}

export function isLongEntry(b: Uint8Array, o: number): boolean {
  return (b[o + 11] & ATTR_LONG_NAME_MASK) === ATTR_LONG_NAME && b[o] !== DELETED && b[o] !== END;
}

/** §7.2: the checksum of the 11-byte short name that every long entry of the set carries. */
export function lfnChecksum(name11: string): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + (name11.charCodeAt(i) & 0xff)) & 0xff;
  return sum;
}

export function lfnEntryCount(name: string): number {
  return Math.ceil(name.length / LFN_CHARS);
}

/**
 * The long-name entries for `name`, in on-disk order: the entry with the
 * highest ordinal (flagged LAST_LONG_ENTRY) first, ordinal 1 just before
 * the short entry. A name that does not fill its last entry is ended by one
 * 0x0000 and padded with 0xFFFF (§7).
 */
export function encodeLongEntries(name: string, checksum: number): Uint8Array {
  const n = lfnEntryCount(name);
  const out = new Uint8Array(n * ENTRY_SIZE);
  for (let k = 0; k < n; k++) {
    const ord = n - k; // on-disk position k holds ordinal n-k
    const o = k * ENTRY_SIZE;
    out[o] = ord | (k === 0 ? LFN_LAST : 0);
    out[o + 11] = ATTR_LONG_NAME;
    out[o + 12] = 0;
    out[o + 13] = checksum;
    w16(out, o + 26, 0);
    for (let j = 0; j < LFN_CHARS; j++) {
      const i = (ord - 1) * LFN_CHARS + j;
      const unit = i < name.length ? name.charCodeAt(i) : i === name.length ? 0 : 0xffff;
      w16(out, o + LFN_OFFSETS[j], unit);
    }
  }
  return out;
}

/**
 * Collects the long-name entries that precede a short entry. Feed every
 * entry of a directory in order; `short()` tells whether the set just
 * before a short entry is complete and matches it (§7.1: ordinals count
 * down from the LAST entry to 1, every checksum equals the short name's).
 * Anything else is a broken chain: Windows then shows the short name, and
 * so do we; fsck reports it.
 */
export class LongNameCollector {
  private units: number[][] = [];
  private expect = 0;
  private sum = -1;
  /** Slots (entry indexes) of the set being collected. */
  slots: number[] = [];
  /** Slots of long entries that belong to no complete set (for fsck and recovery). */
  orphans: number[] = [];

  /** A long entry at slot `index`. */
  long(b: Uint8Array, o: number, index: number): void {
    const ord = b[o] & 0x1f;
    const sum = b[o + 13];
    if (b[o] & LFN_LAST) {
      this.abandon();
      if (ord < 1 || ord > 20) { this.orphans.push(index); return; }
      this.units = [];
      this.expect = ord;
      this.sum = sum;
    } else if (this.expect === 0 || ord !== this.expect || sum !== this.sum) {
      this.abandon();
      this.orphans.push(index);
      return;
    }
    const part: number[] = [];
    for (let j = 0; j < LFN_CHARS; j++) part.push(u16(b, o + LFN_OFFSETS[j]));
    this.units[ord - 1] = part;
    this.slots.push(index);
    this.expect = ord - 1;
  }

  /** A short entry: its long name, or null (no set, or a broken one, which is then orphaned). */
  short(name11: string): string | null {
    if (this.slots.length === 0) return null;
    if (this.expect !== 0 || lfnChecksum(name11) !== this.sum) {
      this.abandon();
      return null;
    }
    let s = '';
    let ended = false;
    for (let i = 0; i < this.units.length && !ended; i++) {
      const part = this.units[i];
      for (let j = 0; j < part.length; j++) {
        if (part[j] === 0) { ended = true; break; }
        s += String.fromCharCode(part[j]);
      }
    }
    this.reset();
    return s.length > 0 ? s : null;
  }

  /** A free entry, or the end of the directory: a set in progress is orphaned. */
  free(): void {
    this.abandon();
  }

  /** Slots of the set just accepted by short() are no longer needed. */
  private reset(): void {
    this.units = [];
    this.expect = 0;
    this.sum = -1;
    this.slots = [];
  }

  private abandon(): void {
    for (let i = 0; i < this.slots.length; i++) this.orphans.push(this.slots[i]);
    this.reset();
  }
}

/* ---- names ---- */

/** Characters a long name may not hold (§7: besides these, all of UTF-16 from 0x20 up). */
const LONG_INVALID = '"*/:<>?\\|';
/** Punctuation a short name may hold (§6.1, DIR_Name). */
const SHORT_SPECIAL = '$%\'-_@~`!(){}^#&';

export function validateName(name: string): void {
  if (name.length === 0) throw new FsError('EINVAL', 'empty file name');
  if (name.length > MAX_LONG_NAME) throw new FsError('ENAMETOOLONG', 'name of ' + name.length + ' characters (FAT allows ' + MAX_LONG_NAME + '): ' + name.slice(0, 40) + '...');
  if (name === '.' || name === '..') throw new FsError('EINVAL', 'invalid name "' + name + '"');
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || LONG_INVALID.indexOf(name.charAt(i)) >= 0) {
      throw new FsError('EINVAL', 'invalid character ' + (c < 0x20 ? '0x' + c.toString(16) : '"' + name.charAt(i) + '"') + ' in name "' + name + '"');
    }
  }
  const last = name.charAt(name.length - 1);
  // Windows drops trailing dots and spaces, which would make "a." and "a" one file.
  if (last === '.' || last === ' ') throw new FsError('EINVAL', 'name "' + name + '" ends with a ' + (last === '.' ? 'dot' : 'space'));
}

function shortChar(c: string): boolean {
  const k = c.charCodeAt(0);
  return (k >= 0x30 && k <= 0x39) || (k >= 0x41 && k <= 0x5a) || SHORT_SPECIAL.indexOf(c) >= 0;
}

function isLower(c: string): boolean {
  const k = c.charCodeAt(0);
  return k >= 0x61 && k <= 0x7a;
}

function isUpper(c: string): boolean {
  const k = c.charCodeAt(0);
  return k >= 0x41 && k <= 0x5a;
}

function pad(s: string, n: number): string {
  while (s.length < n) s += ' ';
  return s;
}

/**
 * The name as a short entry when it is one already ("README.TXT", or with
 * Windows NT's lower-case flags "readme.txt"): then no long entries are
 * needed. Null when it needs a long name.
 */
export function exactShortName(name: string): { name11: string; ntRes: number } | null {
  const dot = name.indexOf('.');
  const base = dot < 0 ? name : name.slice(0, dot);
  const ext = dot < 0 ? '' : name.slice(dot + 1);
  if (base.length < 1 || base.length > 8 || ext.length > 3 || (dot >= 0 && ext.length === 0)) return null;
  if (ext.indexOf('.') >= 0) return null;
  let ntRes = 0;
  const parts = [base, ext];
  for (let p = 0; p < 2; p++) {
    let lower = 0;
    let upper = 0;
    const s = parts[p];
    for (let i = 0; i < s.length; i++) {
      const c = s.charAt(i);
      if (isLower(c)) lower++;
      else if (isUpper(c)) upper++;
      else if (!shortChar(c)) return null;
    }
    if (lower > 0 && upper > 0) return null; // mixed case needs a long name
    if (lower > 0) ntRes |= p === 0 ? NTRES_LOWER_BASE : NTRES_LOWER_EXT;
  }
  return { name11: pad(base.toUpperCase(), 8) + pad(ext.toUpperCase(), 3), ntRes: ntRes };
}

/**
 * fatgen103 §7 "The Basis-Name Generation Algorithm": upper case; characters
 * a short name cannot hold become "_" (a lossy conversion); leading and
 * embedded spaces and leading periods go; the primary part is what precedes
 * the first period (at most 8), the extension what follows the last (at
 * most 3). `fits` says whether nothing was dropped.
 */
export function basisName(name: string): { base: string; ext: string; lossy: boolean; fits: boolean } {
  const upper = name.toUpperCase();
  let lossy = false;
  let s = '';
  for (let i = 0; i < upper.length; i++) {
    const c = upper.charAt(i);
    if (c === ' ') continue;
    if (c === '.' || shortChar(c)) s += c;
    else { s += '_'; lossy = true; }
  }
  let fits = s.length === upper.length;
  let lead = 0;
  while (lead < s.length && s.charAt(lead) === '.') lead++;
  if (lead > 0) fits = false;
  s = s.slice(lead);
  const first = s.indexOf('.');
  const last = s.lastIndexOf('.');
  let base = first < 0 ? s : s.slice(0, first);
  let ext = last < 0 ? '' : s.slice(last + 1);
  if (first !== last) fits = false;
  if (base.length > 8) { base = base.slice(0, 8); fits = false; }
  if (ext.length > 3) { ext = ext.slice(0, 3); fits = false; }
  if (base.length === 0) { base = '_'; fits = false; }
  return { base: base, ext: ext, lossy: lossy, fits: fits };
}

/** "~n" appended to the basis, the primary part shortened so that it still fits in 8 (§7). */
export function withNumericTail(base: string, ext: string, n: number): string {
  const tail = '~' + n;
  return pad(base.slice(0, 8 - tail.length) + tail, 8) + pad(ext, 3);
}

export interface ShortNameChoice {
  name11: string;
  ntRes: number;
  /** Whether long entries must carry the real name. */
  needsLong: boolean;
}

/**
 * The short name for a new entry called `name` in a directory whose short
 * names `taken` reports: the name itself when it is a valid 8.3 name,
 * else the basis name, with a numeric tail ~1, ~2, … when the conversion
 * lost something, did not fit, or collides (§7).
 */
export function chooseShortName(name: string, taken: (name11: string) => boolean): ShortNameChoice {
  const exact = exactShortName(name);
  if (exact && !taken(exact.name11)) return { name11: exact.name11, ntRes: exact.ntRes, needsLong: false };
  const basis = basisName(name);
  const plain = pad(basis.base, 8) + pad(basis.ext, 3);
  if (!exact && !basis.lossy && basis.fits && !taken(plain)) return { name11: plain, ntRes: 0, needsLong: true };
  for (let n = 1; n <= 999999; n++) {
    const candidate = withNumericTail(basis.base, basis.ext, n);
    if (!taken(candidate)) return { name11: candidate, ntRes: 0, needsLong: true };
  }
  throw new FsError('ENOSPC', 'no unused short name left for "' + name + '"');
}

/* Code page 437, the OEM set short names are read in when they hold bytes above 0x7F. */
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐' +
  '└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

function oemChar(byte: number): string {
  return byte < 0x80 ? String.fromCharCode(byte) : CP437_HIGH.charAt(byte - 0x80);
}

/** "README.TXT" from "README  TXT" (DIR_Name), honouring the NT lower-case flags; 0x05 stands for 0xE5 (§6.1). */
export function displayShortName(name11: string, ntRes: number): string {
  let base = '';
  let ext = '';
  for (let i = 0; i < 11; i++) {
    let byte = name11.charCodeAt(i);
    if (i === 0 && byte === 0x05) byte = 0xe5;
    const c = oemChar(byte);
    if (i < 8) base += c; else ext += c;
  }
  base = base.replace(/ +$/, '');
  ext = ext.replace(/ +$/, '');
  if (ntRes & NTRES_LOWER_BASE) base = base.toLowerCase();
  if (ntRes & NTRES_LOWER_EXT) ext = ext.toLowerCase();
  return ext.length ? base + '.' + ext : base;
}

/** The key names are compared by: FAT lookups ignore case (§7: "case insensitive"). */
export function nameKey(name: string): string {
  return name.toUpperCase();
}
