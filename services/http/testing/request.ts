/* Handlers called directly in tests: a Request from a few strings, and a Response read out whole. */
import { HeaderList } from '../fields';
import type { Request, Response } from '../message';
import { parseTarget } from '../target';
import { parseQuery } from '../target';

export function fakeRequest(method: string, target: string, headers: { [name: string]: string } = {}, body: Uint8Array = new Uint8Array(0)): Request {
  const t = parseTarget(method, target);
  const h = new HeaderList();
  for (const name of Object.keys(headers)) h.add(name, headers[name]);
  return {
    method, target, version: 'HTTP/1.1', path: t.path, query: parseQuery(t.query), queryString: t.query, host: 'h',
    headers: h, body, remote: { address: 0x0a000002, port: 40000 }, local: { address: 0x0a000001, port: 80 }, params: {},
  };
}

export interface Collected { status: number; headers: { [name: string]: string }; body: string; length?: number }

/** Status, headers and the whole body as Latin-1 text (streams pulled to the end). */
export async function collect(r: Response): Promise<Collected> {
  const headers: { [name: string]: string } = {};
  for (const k of Object.keys(r.headers || {})) headers[k] = String((r.headers || {})[k]);
  let body = '';
  let length: number | undefined;
  if (typeof r.body === 'string') body = r.body;
  else if (r.body instanceof Uint8Array) { body = Buffer.from(r.body).toString('latin1'); length = r.body.length; }
  else if (r.body) {
    length = r.body.length;
    for (let c = await r.body.chunks(); c; c = await r.body.chunks()) body += Buffer.from(c).toString('latin1');
  }
  return { status: r.status, headers, body, length };
}
