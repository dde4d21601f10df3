/*
 * Header fields (RFC 9110 §5): which octets a name and a value may hold,
 * one field line parsed strictly (RFC 9112 §5), the received fields in
 * their order with case-insensitive lookup, and comma-separated lists.
 */
import { latin1 } from './bytes';
import { HttpError } from './errors';

/** tchar (RFC 9110 §5.6.2), indexed by octet. */
const TCHAR: boolean[] = [];
(function () {
  const extra = "!#$%&'*+-.^_`|~";
  for (let c = 0; c < 128; c++) {
    TCHAR[c] = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || extra.indexOf(String.fromCharCode(c)) >= 0;
  }
})();

export function isTchar(c: number): boolean {
  return c < 128 && TCHAR[c];
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTchar(s.charCodeAt(i))) return false;
  return true;
}

/** field-vchar, SP or HTAB: what a field value may hold (obs-text kept; CTLs, DEL refused). */
export function isFieldValueOctet(c: number): boolean {
  return c === 0x09 || (c >= 0x20 && c !== 0x7f && c <= 0xff);
}

export function isValidFieldValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isFieldValueOctet(s.charCodeAt(i))) return false;
  return true;
}

export interface HeaderField { name: string; value: string }

/**
 * One field line without its line ending: `name ":" OWS value OWS`.
 * Throws HttpError(400) for obs-fold, whitespace before the colon, a name
 * that is not a token, or a value with CR, LF, NUL or other controls.
 */
/** A whole valid field line: a token, the colon, value octets only. Matched natively, where the loops below cost a few thousand instructions an octet in Duktape. */
const VALID_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*$/;
const OWS_ENDS = /^[ \t]+|[ \t]+$/g;

export function parseFieldLine(line: Uint8Array): HeaderField {
  const text = latin1(line);
  if (VALID_LINE.test(text)) {
    const colon = text.indexOf(':');
    return { name: text.slice(0, colon), value: text.slice(colon + 1).replace(OWS_ENDS, '') };
  }
  // Something is wrong with it: find what, in order, for the error's reason.
  if (line.length && (line[0] === 0x20 || line[0] === 0x09)) throw new HttpError(400, 'obsolete line folding');
  let colon = -1;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === 0x3a) { colon = i; break; }
    if (c === 0x20 || c === 0x09) throw new HttpError(400, 'whitespace in a field name');
    if (!isTchar(c)) throw new HttpError(400, 'bad field name');
  }
  if (colon <= 0) throw new HttpError(400, colon === 0 ? 'empty field name' : 'field line without a colon');
  let start = colon + 1;
  let end = line.length;
  while (start < end && (line[start] === 0x20 || line[start] === 0x09)) start++;
  while (end > start && (line[end - 1] === 0x20 || line[end - 1] === 0x09)) end--;
  for (let i = start; i < end; i++) if (!isFieldValueOctet(line[i])) throw new HttpError(400, 'bad octet in a field value');
  return { name: latin1(line, 0, colon), value: latin1(line, start, end) };
}

/** Fields in the order received, names as spelled; lookups ignore case. */
export class HeaderList {
  readonly fields: HeaderField[];
  private readonly lower: string[] = [];

  constructor(fields?: HeaderField[]) {
    this.fields = [];
    if (fields) for (let i = 0; i < fields.length; i++) this.add(fields[i].name, fields[i].value);
  }

  add(name: string, value: string): void {
    this.fields.push({ name: name, value: value });
    this.lower.push(name.toLowerCase());
  }

  /** Every line's value for `name`, in order. */
  getAll(name: string): string[] {
    const key = name.toLowerCase();
    const out: string[] = [];
    for (let i = 0; i < this.lower.length; i++) if (this.lower[i] === key) out.push(this.fields[i].value);
    return out;
  }

  /** The values of all lines named `name` joined with ", " (RFC 9110 §5.3), or undefined. */
  get(name: string): string | undefined {
    const all = this.getAll(name);
    return all.length ? all.join(', ') : undefined;
  }

  has(name: string): boolean {
    return this.lower.indexOf(name.toLowerCase()) >= 0;
  }

  /** Whether any line's name is in `names` (lowercase keys): one pass for a set of fields. */
  hasAny(names: { [lower: string]: boolean }): boolean {
    for (let i = 0; i < this.lower.length; i++) if (names[this.lower[i]] === true) return true;
    return false;
  }

  get length(): number { return this.fields.length; }
}

/**
 * The elements of a comma-separated list (RFC 9110 §5.6.1), trimmed, empty
 * ones dropped; commas inside quoted strings do not split.
 */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  const flush = (end: number): void => {
    const item = trimOws(value.slice(start, end));
    if (item) out.push(item);
  };
  for (let i = 0; i < value.length; i++) {
    const c = value.charAt(i);
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      flush(i);
      start = i + 1;
    }
  }
  flush(value.length);
  return out;
}

export function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charAt(a) === ' ' || s.charAt(a) === '\t')) a++;
  while (b > a && (s.charAt(b - 1) === ' ' || s.charAt(b - 1) === '\t')) b--;
  return s.slice(a, b);
}

/** The lowercased tokens of every line of a list-valued field (Connection, Transfer-Encoding). */
export function listTokens(headers: HeaderList, name: string): string[] {
  const all = headers.getAll(name);
  const out: string[] = [];
  for (let i = 0; i < all.length; i++) {
    const items = splitList(all[i]);
    for (let j = 0; j < items.length; j++) out.push(items[j].toLowerCase());
  }
  return out;
}
