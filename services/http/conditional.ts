/*
 * Conditional requests (RFC 9110 §13) against one representation's
 * validators, evaluated in the order of §13.2.2: If-Match, else
 * If-Unmodified-Since; then If-None-Match, else If-Modified-Since (GET
 * and HEAD only); If-Range for range requests.
 */
import { parseHttpDate } from './dates';
import { splitList, type HeaderList } from './fields';

export interface Validators {
  /** The entity-tag with its quotes (and W/ when weak). */
  etag: string;
  /** Last modification in ms, whole seconds (what Last-Modified can say); null when unknown. */
  lastModified: number | null;
}

interface Tag { weak: boolean; opaque: string }

function parseTag(s: string): Tag | null {
  const weak = s.slice(0, 2) === 'W/';
  const t = weak ? s.slice(2) : s;
  if (t.length < 2 || t.charAt(0) !== '"' || t.charAt(t.length - 1) !== '"' || t.slice(1, -1).indexOf('"') >= 0) return null;
  return { weak: weak, opaque: t.slice(1, -1) };
}

/**
 * Whether the field value (a list of entity-tags, or "*") matches `etag`:
 * strong comparison for If-Match and If-Range, weak for If-None-Match (§8.8.3.2).
 */
export function etagMatches(value: string, etag: string, weak: boolean): boolean {
  const ours = parseTag(etag);
  if (!ours) return false;
  const items = splitList(value);
  for (let i = 0; i < items.length; i++) {
    if (items[i] === '*') return true;
    const theirs = parseTag(items[i]);
    if (!theirs || theirs.opaque !== ours.opaque) continue;
    if (weak || (!theirs.weak && !ours.weak)) return true;
  }
  return false;
}

export type Precondition = 'proceed' | 'not-modified' | 'failed';

/** What the conditional fields say for an existing representation. */
export function evaluatePreconditions(method: string, headers: HeaderList, v: Validators, nowMs?: number): Precondition {
  const ifMatch = headers.get('if-match');
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, v.etag, false)) return 'failed';
  } else {
    const ius = headers.get('if-unmodified-since');
    const date = ius === undefined ? null : parseHttpDate(ius, nowMs);
    if (date !== null && v.lastModified !== null && v.lastModified > date) return 'failed';
  }
  const getLike = method === 'GET' || method === 'HEAD';
  const inm = headers.get('if-none-match');
  if (inm !== undefined) {
    if (etagMatches(inm, v.etag, true)) return getLike ? 'not-modified' : 'failed';
  } else if (getLike) {
    const ims = headers.get('if-modified-since');
    const date = ims === undefined ? null : parseHttpDate(ims, nowMs);
    if (date !== null && v.lastModified !== null && v.lastModified <= date) return 'not-modified';
  }
  return 'proceed';
}

/**
 * Whether a Range may be honoured (§13.1.5): yes without If-Range; with it,
 * only when it names our strong entity-tag or exactly our Last-Modified.
 */
export function ifRangeAllows(headers: HeaderList, v: Validators, nowMs?: number): boolean {
  const value = headers.get('if-range');
  if (value === undefined) return true;
  const s = value.replace(/^[ \t]+|[ \t]+$/g, '');
  if (s.charAt(0) === '"' || s.slice(0, 2) === 'W/') {
    const theirs = parseTag(s);
    return theirs !== null && !theirs.weak && etagMatches(s, v.etag, false);
  }
  const date = parseHttpDate(s, nowMs);
  return date !== null && v.lastModified !== null && date === v.lastModified;
}
