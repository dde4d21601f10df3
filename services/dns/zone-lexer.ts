/*
 * The lexical layer of master files (RFC 1035 §5.1): splits text into
 * entries, one per logical line. Parentheses join physical lines, `;`
 * starts a comment, double quotes make one token of text with blanks,
 * and a backslash escapes the next character (the escape is kept in the
 * token text: what it means depends on the field, a name or a string).
 */
import { ZoneError } from './errors';

export interface ZoneToken {
  text: string;
  quoted: boolean;
}

export interface ZoneEntry {
  tokens: ZoneToken[];
  /** The physical line the entry starts on (1-based). */
  line: number;
  /** The line starts with a blank: the owner is the previous record's. */
  blankOwner: boolean;
}

function isBlank(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r';
}

/* Characters that end an unquoted token. */
const DELIMITERS = ' \t\r\n;()"';

export class ZoneLexer {
  private i = 0;
  private line = 1;

  constructor(private readonly text: string, private readonly file: string) {}

  private fail(line: number, reason: string): never {
    throw new ZoneError(this.file, line, reason);
  }

  /** The next entry with at least one token, or null at the end. */
  next(): ZoneEntry | null {
    const s = this.text;
    while (this.i < s.length) {
      const startLine = this.line;
      const blankOwner = isBlank(s.charAt(this.i));
      const tokens: ZoneToken[] = [];
      let parenLine = 0; // the line of an open "(", 0 when none is open
      while (this.i < s.length) {
        const c = s.charAt(this.i);
        if (isBlank(c)) {
          this.i++;
        } else if (c === '\n') {
          this.i++;
          this.line++;
          if (!parenLine) break;
        } else if (c === ';') {
          while (this.i < s.length && s.charAt(this.i) !== '\n') this.i++;
        } else if (c === '(') {
          if (parenLine) this.fail(this.line, 'a "(" inside parentheses');
          parenLine = this.line;
          this.i++;
        } else if (c === ')') {
          if (!parenLine) this.fail(this.line, 'a ")" without "("');
          parenLine = 0;
          this.i++;
        } else if (c === '"') {
          tokens.push({ text: this.quoted(), quoted: true });
        } else {
          tokens.push({ text: this.word(), quoted: false });
        }
      }
      if (parenLine) this.fail(parenLine, 'the "(" here is never closed');
      if (tokens.length > 0) return { tokens: tokens, line: startLine, blankOwner: blankOwner };
    }
    return null;
  }

  private word(): string {
    const s = this.text;
    const start = this.i;
    while (this.i < s.length) {
      const c = s.charAt(this.i);
      if (c === '\\') {
        if (this.i + 1 >= s.length) this.fail(this.line, 'a backslash at the end of the file');
        if (s.charAt(this.i + 1) === '\n') this.line++;
        this.i += 2;
      } else if (DELIMITERS.indexOf(c) >= 0) {
        break;
      } else {
        this.i++;
      }
    }
    return s.slice(start, this.i);
  }

  private quoted(): string {
    const s = this.text;
    const line = this.line;
    this.i++; // the opening quote
    const start = this.i;
    while (this.i < s.length) {
      const c = s.charAt(this.i);
      if (c === '"') {
        const text = s.slice(start, this.i);
        this.i++;
        return text;
      }
      if (c === '\n') break;
      this.i += c === '\\' && this.i + 1 < s.length && s.charAt(this.i + 1) !== '\n' ? 2 : 1;
    }
    return this.fail(line, 'a quoted string that does not end on its line');
  }
}
