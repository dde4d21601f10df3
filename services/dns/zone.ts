/*
 * Master files (RFC 1035 §5): $ORIGIN, $TTL (RFC 2308 §4), $INCLUDE,
 * relative names and `@`, a blank owner meaning the previous one, TTL and
 * class in either order, BIND's TTL units, RFC 3597 generic rdata, and the
 * types of rdata-text.ts. Every error is a ZoneError naming file:line.
 *
 * $INCLUDE reads another file, which an appliance cannot and a host-side
 * tool should decide about: it is refused unless the caller passes
 * `include`, which returns the text of the named file.
 *
 * After parsing, the zone-level rules of zone-check.ts apply (unless
 * `check: false`): one SOA at the apex, NS there, CNAME alone, nothing
 * outside the origin.
 */
import { CLASS, RRTYPE, classFromText, classToText, typeFromText, typeToText } from './constants';
import { DnsSyntaxError, ZoneError } from './errors';
import { formatName, isSubdomain, parseName, type DnsName } from './name';
import { type ResourceRecord, type SoaRdata } from './rdata';
import { parseRdata } from './rdata-text';
import { MAX_TTL, looksLikeDuration, parseDuration } from './ttl';
import { checkZone, type SourceLine } from './zone-check';
import { ZoneLexer, type ZoneEntry, type ZoneToken } from './zone-lexer';

export interface ZoneOptions {
  /** The zone's apex, and the first origin. Without it the first $ORIGIN sets both. */
  origin?: DnsName | string;
  /** The file name errors name (default "zone"). */
  file?: string;
  /** The zone's class (default IN); a record of another class is an error. */
  class?: number;
  /**
   * Resolves `$INCLUDE path`: returns the included file's text. Without it
   * $INCLUDE is an error. `from` is the including file and line.
   */
  include?: (path: string, from: SourceLine) => string;
  /** Apply the zone-level rules (default true). */
  check?: boolean;
}

export interface Zone {
  origin: DnsName;
  class: number;
  records: ResourceRecord[];
  /** Where each record was written, index for index. */
  sources: SourceLine[];
}

const MAX_INCLUDE_DEPTH = 8;

/** Parser state shared across included files. */
interface State {
  apex: DnsName | null;
  klass: number;
  defaultTtl: number | null;
  lastTtl: number | null;
  lastOwner: DnsName | null;
  records: ResourceRecord[];
  sources: SourceLine[];
  options: ZoneOptions;
  check: boolean;
}

export function parseZone(text: string, options?: ZoneOptions): Zone {
  const opts = options || {};
  const file = opts.file || 'zone';
  let origin: DnsName | null = null;
  if (typeof opts.origin === 'string') {
    try {
      origin = parseName(opts.origin);
    } catch (e) {
      throw new ZoneError(file, 0, 'the origin option: ' + (e as Error).message);
    }
  } else if (opts.origin) {
    origin = opts.origin;
  }
  const state: State = {
    apex: origin, klass: opts.class === undefined ? CLASS.IN : opts.class, defaultTtl: null, lastTtl: null,
    lastOwner: null, records: [], sources: [], options: opts, check: opts.check !== false,
  };
  parseFile(state, text, file, origin, 0);
  if (!state.apex) throw new ZoneError(file, 1, 'no origin: pass one or start the file with $ORIGIN');
  const zone: Zone = { origin: state.apex, class: state.klass, records: state.records, sources: state.sources };
  if (state.check) checkZone(zone, file);
  return zone;
}

function parseFile(state: State, text: string, file: string, startOrigin: DnsName | null, depth: number): void {
  const lexer = new ZoneLexer(text, file);
  let origin = startOrigin;
  for (let entry = lexer.next(); entry; entry = lexer.next()) {
    const e = entry;
    const fail = (reason: string): never => { throw new ZoneError(file, e.line, reason); };
    try {
      const first = e.tokens[0];
      if (!e.blankOwner && !first.quoted && first.text.charAt(0) === '$') {
        origin = directive(state, e, file, origin, depth);
      } else {
        if (!origin) fail('no origin for this record: pass one or use $ORIGIN first');
        record(state, e, file, origin as DnsName);
      }
    } catch (err) {
      if (err instanceof DnsSyntaxError) fail(err.reason);
      throw err;
    }
  }
}

/** Runs a $ directive; returns the origin in force after it. */
function directive(state: State, e: ZoneEntry, file: string, origin: DnsName | null, depth: number): DnsName | null {
  const name = e.tokens[0].text.toUpperCase();
  const args = e.tokens.slice(1);
  const fail = (reason: string): never => { throw new ZoneError(file, e.line, reason); };
  const argCount = (min: number, max: number, usage: string): void => {
    if (args.length < min || args.length > max) fail(name + ' takes ' + usage);
  };
  switch (name) {
    case '$ORIGIN': {
      argCount(1, 1, 'one domain name');
      const next = parseName(args[0].text, origin || undefined);
      if (args[0].text.charAt(args[0].text.length - 1) !== '.' && !origin) fail('$ORIGIN needs an absolute name (ending in ".") here');
      if (!state.apex) state.apex = next;
      return next;
    }
    case '$TTL':
      argCount(1, 1, 'one TTL');
      state.defaultTtl = parseDuration(args[0].text, MAX_TTL);
      return origin;
    case '$INCLUDE': {
      argCount(1, 2, 'a file name and optionally an origin');
      if (!state.options.include) fail('$INCLUDE is refused: this parser reads no other files (a host-side caller may pass an include callback)');
      if (depth >= MAX_INCLUDE_DEPTH) fail('$INCLUDE nested more than ' + MAX_INCLUDE_DEPTH + ' deep');
      const path = args[0].text;
      const includedOrigin = args.length > 1 ? parseName(args[1].text, origin || undefined) : origin;
      let text: string;
      try {
        text = (state.options.include as (p: string, f: SourceLine) => string)(path, { file: file, line: e.line });
      } catch (err) {
        return fail('$INCLUDE ' + path + ': ' + (err instanceof Error ? err.message : String(err)));
      }
      parseFile(state, text, path, includedOrigin, depth + 1);
      // RFC 1035 §5.1: the included file's $ORIGIN does not leak back.
      return origin;
    }
    default:
      return fail('unknown directive ' + e.tokens[0].text + ' (expected $ORIGIN, $TTL or $INCLUDE)');
  }
}

function isPlain(t: ZoneToken | undefined): t is ZoneToken {
  return t !== undefined && !t.quoted;
}

function record(state: State, e: ZoneEntry, file: string, origin: DnsName): void {
  const fail = (reason: string): never => { throw new ZoneError(file, e.line, reason); };
  const tokens = e.tokens;
  let k = 0;
  let owner: DnsName;
  if (e.blankOwner) {
    if (!state.lastOwner) fail('a record starting with a blank needs a previous owner');
    owner = state.lastOwner as DnsName;
  } else {
    owner = parseName(tokens[k++].text, origin);
  }

  // TTL and class, each optional, in either order (RFC 1035 §5.1).
  let ttl: number | null = null;
  let klass: number | null = null;
  for (let n = 0; n < 2; n++) {
    const t = tokens[k];
    if (!isPlain(t)) break;
    if (ttl === null && looksLikeDuration(t.text)) {
      ttl = parseDuration(t.text, MAX_TTL);
      k++;
    } else if (klass === null && classFromText(t.text) !== null) {
      klass = classFromText(t.text);
      k++;
    } else {
      break;
    }
  }
  const typeToken = tokens[k++];
  if (!typeToken) fail('expected a type after the owner' + (ttl !== null ? ', TTL' : '') + (klass !== null ? ', class' : ''));
  const type = typeFromText(typeToken.text);
  if (type === null || typeToken.quoted) return fail('expected a type, not "' + typeToken.text + '"');
  if (type === RRTYPE.OPT || (type >= 128 && type <= 255)) fail(typeToText(type) + ' is not a record type a zone can hold');
  if (klass !== null && klass !== state.klass) fail('class ' + classToText(klass) + ' in a zone of class ' + classToText(state.klass));

  const rdata = parseRdata(type, state.klass, tokens.slice(k), origin);

  if (ttl === null) {
    if (state.defaultTtl !== null) ttl = state.defaultTtl;
    else if (state.lastTtl !== null) ttl = state.lastTtl;
    // Before $TTL existed (RFC 2308), the SOA's minimum was the default.
    else if (rdata.kind === 'SOA') ttl = Math.min((rdata as SoaRdata).minimum, MAX_TTL);
    else return fail('no TTL: give one or set $TTL');
  }
  state.lastTtl = ttl;
  state.lastOwner = owner;

  if (state.check && state.apex && !isSubdomain(owner, state.apex)) {
    fail(formatName(owner) + ' is outside the zone ' + formatName(state.apex));
  }
  state.records.push({ name: owner, type: type, class: state.klass, ttl: ttl, rdata: rdata });
  state.sources.push({ file: file, line: e.line });
}
