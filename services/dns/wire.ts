/*
 * DNS messages on the wire (RFC 1035 §4.1): header, question, answer,
 * authority and additional sections, with EDNS(0) (RFC 6891) lifted out of
 * the additional section into `edns`, and its extended rcode folded into
 * `rcode`.
 *
 * Decoding is strict: counts must match the records present, no bytes may
 * follow the last record, and every failure is a DnsFormatError. The header
 * alone decodes from any 12 bytes, so a server can still answer FORMERR
 * with the query's id.
 *
 * Encoding compresses names by default and can be held to a size: records
 * that do not fit are dropped from the end and TC is set when an answer or
 * authority record had to go (RFC 2181 §9); the OPT record always stays.
 */
import { RRTYPE, typeToText } from './constants';
import { optLength, readOpt, writeOpt, type Edns } from './edns';
import { DnsFormatError } from './errors';
import { namesEqual } from './name';
import { type Question, type ResourceRecord } from './rdata';
import { readRdata, writeRdata } from './rdata-wire';
import { HEADER_LENGTH, WireReader } from './reader';
import { WireWriter } from './writer';

export interface Header {
  id: number;
  /** A response (true) or a query. */
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  /** The reserved bit between RA and AD; zero in anything sent today. */
  z: boolean;
  ad: boolean;
  cd: boolean;
  /** 4 bits without EDNS; with EDNS the full 12-bit rcode. */
  rcode: number;
}

export interface HeaderCounts {
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
}

export interface DnsMessage extends Header {
  questions: Question[];
  answers: ResourceRecord[];
  authority: ResourceRecord[];
  /** The additional section without the OPT record (see `edns`). */
  additional: ResourceRecord[];
  edns: Edns | null;
}

export interface EncodeOptions {
  /** Compress names (default true). */
  compress?: boolean;
  /** The most bytes the message may take (default 65535); see the file comment. */
  maxBytes?: number;
}

const MAX_MESSAGE = 65535;

/** The 12-byte header, from a message that may be malformed after it. */
export function decodeHeader(buf: Uint8Array): Header & HeaderCounts {
  if (buf.length < HEADER_LENGTH) throw new DnsFormatError('message shorter than its header');
  const flags = (buf[2] << 8) | buf[3];
  return {
    id: (buf[0] << 8) | buf[1],
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >>> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    z: (flags & 0x0040) !== 0,
    ad: (flags & 0x0020) !== 0,
    cd: (flags & 0x0010) !== 0,
    rcode: flags & 0xf,
    qdcount: (buf[4] << 8) | buf[5],
    ancount: (buf[6] << 8) | buf[7],
    nscount: (buf[8] << 8) | buf[9],
    arcount: (buf[10] << 8) | buf[11],
  };
}

export function decodeMessage(buf: Uint8Array): DnsMessage {
  const h = decodeHeader(buf);
  const r = new WireReader(buf, HEADER_LENGTH, buf.length, true);
  const questions: Question[] = [];
  for (let i = 0; i < h.qdcount; i++) {
    questions.push({ name: r.name('question name'), type: r.u16('question type'), class: r.u16('question class') });
  }
  const answers = readSection(r, h.ancount, 'answer');
  const authority = readSection(r, h.nscount, 'authority');
  const additional: ResourceRecord[] = [];
  let edns: Edns | null = null;
  let rcode = h.rcode;
  for (let i = 0; i < h.arcount; i++) {
    const name = r.name('record owner');
    const type = r.u16('record type');
    const klass = r.u16('record class');
    const ttl = r.u32('record TTL');
    const length = r.u16('rdlength');
    if (type === RRTYPE.OPT) {
      if (edns) throw new DnsFormatError('more than one OPT record');
      if (name.length !== 0) throw new DnsFormatError('OPT owner is not the root');
      const opt = readOpt(r, klass, ttl, length);
      edns = opt.edns;
      rcode = (opt.extendedRcode << 4) | h.rcode;
    } else {
      additional.push({ name: name, type: type, class: klass, ttl: ttl, rdata: readRdata(r, type, klass, length) });
    }
  }
  if (r.pos !== buf.length) throw new DnsFormatError((buf.length - r.pos) + ' bytes after the last record');
  return {
    id: h.id, qr: h.qr, opcode: h.opcode, aa: h.aa, tc: h.tc, rd: h.rd, ra: h.ra, z: h.z, ad: h.ad, cd: h.cd, rcode: rcode,
    questions: questions, answers: answers, authority: authority, additional: additional, edns: edns,
  };
}

function readSection(r: WireReader, count: number, section: string): ResourceRecord[] {
  const out: ResourceRecord[] = [];
  for (let i = 0; i < count; i++) {
    const name = r.name('record owner');
    const type = r.u16('record type');
    const klass = r.u16('record class');
    const ttl = r.u32('record TTL');
    const length = r.u16('rdlength');
    if (type === RRTYPE.OPT) throw new DnsFormatError('OPT record in the ' + section + ' section');
    out.push({ name: name, type: type, class: klass, ttl: ttl, rdata: readRdata(r, type, klass, length) });
  }
  return out;
}

export function encodeMessage(msg: DnsMessage, options?: EncodeOptions): Uint8Array {
  const compress = !options || options.compress !== false;
  const limit = options && options.maxBytes !== undefined ? Math.min(options.maxBytes, MAX_MESSAGE) : MAX_MESSAGE;
  if (msg.rcode !== (msg.rcode & 0xfff)) throw new DnsFormatError('rcode ' + msg.rcode + ' is not a 12-bit number');
  if (msg.rcode > 0xf && !msg.edns) throw new DnsFormatError('rcode ' + msg.rcode + ' needs EDNS');
  if (msg.opcode !== (msg.opcode & 0xf)) throw new DnsFormatError('opcode ' + msg.opcode + ' is not a 4-bit number');
  const reserve = msg.edns ? optLength(msg.edns) : 0;

  const w = new WireWriter(512);
  w.u16(msg.id, 'id');
  w.u16(0, 'flags'); // written last, once TC is known
  for (let i = 0; i < 4; i++) w.u16(0, 'count');

  for (let i = 0; i < msg.questions.length; i++) {
    const q = msg.questions[i];
    w.name(q.name, compress, compress);
    w.u16(q.type, 'question type');
    w.u16(q.class, 'question class');
  }
  if (w.pos + reserve > limit) throw new DnsFormatError('header and question do not fit in ' + limit + ' bytes');

  const sections = [msg.answers, msg.authority, msg.additional];
  const counts = [0, 0, 0];
  let truncated = false;
  for (let s = 0; s < sections.length && !truncated; s++) {
    const fitted = writeSection(w, sections[s], compress, limit - reserve);
    counts[s] = fitted;
    if (fitted < sections[s].length) {
      // A missing answer or authority record changes the meaning; a missing
      // additional record does not (RFC 2181 §9), so only those set TC.
      if (s < 2) truncated = true;
      break;
    }
  }
  if (msg.edns) writeOpt(w, msg.edns, msg.rcode >>> 4);

  const out = w.result();
  if (out.length > limit) throw new DnsFormatError('message longer than ' + limit + ' bytes');
  const flags = (msg.qr ? 0x8000 : 0) | (msg.opcode << 11) | (msg.aa ? 0x0400 : 0) | (msg.tc || truncated ? 0x0200 : 0) |
    (msg.rd ? 0x0100 : 0) | (msg.ra ? 0x0080 : 0) | (msg.z ? 0x0040 : 0) | (msg.ad ? 0x0020 : 0) | (msg.cd ? 0x0010 : 0) |
    (msg.rcode & 0xf);
  w.patch16(2, flags);
  w.patch16(4, checkCount(msg.questions.length, 'questions'));
  w.patch16(6, counts[0]);
  w.patch16(8, counts[1]);
  w.patch16(10, checkCount(counts[2] + (msg.edns ? 1 : 0), 'additional records'));
  return out;
}

function checkCount(n: number, what: string): number {
  if (n > 0xffff) throw new DnsFormatError('more than 65535 ' + what);
  return n;
}

/**
 * Writes records while they fit under `limit`; returns how many went in.
 * When one does not fit, the records of its RRset already written go too:
 * a receiver would take a partial RRset for the whole one.
 */
function writeSection(w: WireWriter, records: ResourceRecord[], compress: boolean, limit: number): number {
  const starts: number[] = [];
  for (let i = 0; i < records.length; i++) {
    const rr = records[i];
    const start = w.pos;
    writeRecord(w, rr, compress);
    if (w.pos > limit) {
      w.rollback(start);
      let kept = i;
      while (kept > 0 && sameRrset(records[kept - 1], rr)) {
        kept--;
        w.rollback(starts[kept]);
      }
      return kept;
    }
    starts.push(start);
  }
  if (records.length > 0xffff) throw new DnsFormatError('more than 65535 records in a section');
  return records.length;
}

function writeRecord(w: WireWriter, rr: ResourceRecord, compress: boolean): void {
  if (rr.type === RRTYPE.OPT) throw new DnsFormatError('OPT goes in `edns`, not among the records');
  w.name(rr.name, compress, compress);
  w.u16(rr.type, 'type');
  w.u16(rr.class, 'class of ' + typeToText(rr.type) + ' record');
  w.u32(rr.ttl, 'TTL');
  writeRdata(w, rr, compress);
}

function sameRrset(a: ResourceRecord, b: ResourceRecord): boolean {
  return a.type === b.type && a.class === b.class && namesEqual(a.name, b.name);
}
