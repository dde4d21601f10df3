/* The router: patterns and params, HEAD via GET, 405 with Allow, OPTIONS, fallback; and the response helpers. */
import { describe, expect, it } from 'vitest';
import { HttpError } from './errors';
import { json, readJson, readText, text } from './message';
import { router } from './router';
import { parseQuery, parseQueryList, percentDecode } from './target';
import { collect, fakeRequest } from './testing/request';

const enc = (s: string) => new TextEncoder().encode(s);

function app() {
  const r = router();
  r.get('/', () => text('root'))
    .get('/healthz', () => text('ok'))
    .post('/echo', (req) => ({ status: 200, body: req.body }))
    .get('/api/items/:id', (req) => json({ id: req.params.id, q: req.query.q ?? null }))
    .delete('/api/items/:id', (req) => text('deleted ' + req.params.id, 202))
    .get('/api/items/:id/parts/:part', (req) => json(req.params))
    .route('head', '/only-head', () => ({ status: 204 }))
    .get('/static/*', (req) => text('rest=' + req.params['*']))
    .put('/json', async (req) => json({ got: readJson(req) }, 201))
    .get('/boom', () => { throw new Error('boom'); });
  return r;
}
const call = (method: string, target: string, body?: string, r = app()) =>
  Promise.resolve(r.handle(fakeRequest(method, target, {}, body === undefined ? undefined : enc(body)))).then(collect);

describe('router', () => {
  it('routes by method and path, with decoded params', async () => {
    expect(await call('GET', '/')).toMatchObject({ status: 200, body: 'root' });
    expect(await call('GET', '/healthz')).toMatchObject({ status: 200, body: 'ok', headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
    expect(await call('POST', '/echo', 'hi')).toMatchObject({ status: 200, body: 'hi' });
    expect(JSON.parse((await call('GET', '/api/items/a%20b?q=z')).body)).toEqual({ id: 'a b', q: 'z' });
    expect(JSON.parse((await call('GET', '/api/items/7/parts/x')).body)).toEqual({ id: '7', part: 'x' });
    expect(await call('DELETE', '/api/items/7')).toMatchObject({ status: 202, body: 'deleted 7' });
    expect(await call('GET', '/static/a/b%2Fc')).toMatchObject({ body: 'rest=a/b%2Fc' });
    expect(await call('GET', '/static/')).toMatchObject({ body: 'rest=' });
  });
  it('does not match extra, missing or empty segments', async () => {
    expect((await call('GET', '/healthz/')).status).toBe(404);
    expect((await call('GET', '/api/items/')).status).toBe(404);
    expect((await call('GET', '/api/items')).status).toBe(404);
    expect((await call('GET', '/api/items/1/2')).status).toBe(404);
    expect((await call('GET', '/api/items/%zz')).status).toBe(404);
    expect((await call('GET', '/static')).status).toBe(404);
  });
  it('runs GET routes for HEAD, and HEAD routes first', async () => {
    expect((await call('HEAD', '/healthz')).body).toBe('ok'); // the server drops it
    expect((await call('HEAD', '/only-head')).status).toBe(204);
  });
  it('answers 405 with Allow for other methods, and OPTIONS with 204', async () => {
    expect(await call('PUT', '/api/items/1')).toMatchObject({ status: 405, headers: { Allow: 'GET, DELETE, HEAD' } });
    expect(await call('GET', '/echo')).toMatchObject({ status: 405, headers: { Allow: 'POST' } });
    expect(await call('OPTIONS', '/api/items/1')).toMatchObject({ status: 204, headers: { Allow: 'GET, DELETE, HEAD' } });
  });
  it('sends unmatched paths to the fallback, else 404', async () => {
    expect((await call('GET', '/nope')).status).toBe(404);
    const r = app().fallback((req) => text('fallback ' + req.method + ' ' + req.path));
    expect((await call('GET', '/nope', undefined, r)).body).toBe('fallback GET /nope');
    expect((await call('PATCH', '/healthz', undefined, r)).status).toBe(405);
  });
  it('lets handler errors through for the server to answer', async () => {
    expect(() => app().handle(fakeRequest('GET', '/boom'))).toThrow('boom');
    await expect(Promise.resolve(app().handle(fakeRequest('PUT', '/json', {}, enc('{bad'))))).rejects.toMatchObject({ status: 400 });
    expect(await call('PUT', '/json', '{"a":[1]}')).toMatchObject({ status: 201, body: '{"got":{"a":[1]}}', headers: { 'Content-Type': 'application/json' } });
    expect(() => router().get('nope', () => text(''))).toThrow(/start with/);
  });
});

describe('response helpers', () => {
  it('build text and JSON responses, and read bodies strictly', () => {
    expect(text('x', 201, { 'X-A': '1' })).toEqual({ status: 201, body: 'x', headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-A': '1' } });
    expect(json([1], undefined)).toEqual({ status: 200, body: '[1]', headers: { 'Content-Type': 'application/json' } });
    expect(readText(fakeRequest('POST', '/', {}, enc('é')))).toBe('é');
    expect(() => readText(fakeRequest('POST', '/', {}, new Uint8Array([0xff])))).toThrow(HttpError);
    expect(() => readJson(fakeRequest('POST', '/', {}, enc('')))).toThrow('400 body is not JSON');
  });
});

describe('targets', () => {
  it('decodes percent-escapes as UTF-8, and query pairs with "+" as space', () => {
    expect(percentDecode('a%20b%C3%A9')).toBe('a bé');
    expect(percentDecode('a+b')).toBe('a+b');
    expect(percentDecode('a+b', true)).toBe('a b');
    for (const bad of ['%', '%2', '%zz', '%C3', '%FF']) expect([bad, percentDecode(bad)]).toEqual([bad, null]);
    expect(parseQueryList('a=1&b&&c=%3D&a=2&bad=%zz&=x')).toEqual([['a', '1'], ['b', ''], ['c', '='], ['a', '2'], ['', 'x']]);
    const q = parseQuery('__proto__=x&toString=y&a=1&a=2');
    expect(Object.getPrototypeOf(q)).toBeNull();
    expect(Object.keys(q)).toEqual(['__proto__', 'toString', 'a']);
    expect([q['__proto__'], q.toString, q.a]).toEqual(['x', 'y', '1']);
  });
});
