/*
 * Routes for apps: method + path pattern → handler.
 *
 *   const r = router();
 *   r.get('/healthz', () => text('ok'));
 *   r.get('/api/items/:id', (req) => json({ id: req.params.id }));
 *   r.fallback(serveFiles(source));
 *   serveHttp(net.tcp, 80, r.handle);
 *
 * Patterns are literal segments, ":name" (one non-empty segment, decoded
 * into req.params.name) and a final "*" (the rest of the path, still
 * percent-encoded, in req.params["*"]). Routes are tried in the order
 * added. HEAD runs the GET route unless a HEAD route matches; a path
 * served for other methods only gets 405 with Allow (OPTIONS gets 204 with
 * Allow); a path nothing matches goes to the fallback, else 404.
 */
import { errorResponse, type Handler, type Request, type Response } from './message';
import { percentDecode } from './target';

interface Route {
  method: string;
  segments: string[];
  /** The pattern itself when it has no captures: a path without "%" matches it exactly or not at all. */
  literal: string | null;
  handler: Handler;
}

export interface Router {
  get(pattern: string, handler: Handler): Router;
  post(pattern: string, handler: Handler): Router;
  put(pattern: string, handler: Handler): Router;
  patch(pattern: string, handler: Handler): Router;
  delete(pattern: string, handler: Handler): Router;
  route(method: string, pattern: string, handler: Handler): Router;
  /** Answers what no route's path matches (a file server, say). */
  fallback(handler: Handler): Router;
  /** The router as a handler, for serveHttp. */
  handle: Handler;
}

/** The captures when `path` fits the pattern, else null. */
function match(segments: string[], path: string): { [name: string]: string } | null {
  if (path.charAt(0) !== '/') return null;
  const parts = path.slice(1).split('/');
  const params = Object.create(null) as { [name: string]: string };
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    if (i >= parts.length) return null;
    if (seg === '*' && i === segments.length - 1) {
      params['*'] = parts.slice(i).join('/');
      return params;
    }
    const decoded = percentDecode(parts[i]);
    if (decoded === null) return null;
    if (seg.charAt(0) === ':') {
      if (decoded === '') return null;
      params[seg.slice(1)] = decoded;
    } else if (seg !== decoded) {
      return null;
    }
  }
  return parts.length === segments.length ? params : null;
}

export function router(): Router {
  const routes: Route[] = [];
  let fallback: Handler | null = null;

  function handle(req: Request): Response | Promise<Response> {
    let exact: Route | null = null;
    let get: Route | null = null;
    let params: { [name: string]: string } | null = null;
    let getParams: { [name: string]: string } | null = null;
    const allowed: string[] = [];
    for (let i = 0; i < routes.length && !exact; i++) {
      const r = routes[i];
      const p = r.literal !== null && req.path.indexOf('%') < 0
        ? (req.path === r.literal ? Object.create(null) as { [name: string]: string } : null)
        : match(r.segments, req.path);
      if (!p) continue;
      if (r.method === req.method) { exact = r; params = p; }
      else if (r.method === 'GET' && !get) { get = r; getParams = p; }
      if (allowed.indexOf(r.method) < 0) allowed.push(r.method);
    }
    if (!exact && req.method === 'HEAD' && get) { exact = get; params = getParams; }
    if (exact) {
      req.params = params as { [name: string]: string };
      return exact.handler(req);
    }
    if (allowed.length) {
      if (allowed.indexOf('GET') >= 0 && allowed.indexOf('HEAD') < 0) allowed.push('HEAD');
      const allow = allowed.join(', ');
      if (req.method === 'OPTIONS') return { status: 204, headers: { Allow: allow } };
      return errorResponse(405, undefined, { Allow: allow });
    }
    return fallback ? fallback(req) : errorResponse(404);
  }

  const self: Router = {
    route: function (method, pattern, handler) {
      if (pattern.charAt(0) !== '/') throw new Error('router: pattern ' + pattern + ' does not start with /');
      const segments = pattern.slice(1).split('/');
      let literal: string | null = pattern;
      for (let i = 0; i < segments.length; i++) if (segments[i].charAt(0) === ':' || segments[i] === '*') literal = null;
      routes.push({ method: method.toUpperCase(), segments: segments, literal: literal, handler: handler });
      return self;
    },
    get: function (p, h) { return self.route('GET', p, h); },
    post: function (p, h) { return self.route('POST', p, h); },
    put: function (p, h) { return self.route('PUT', p, h); },
    patch: function (p, h) { return self.route('PATCH', p, h); },
    delete: function (p, h) { return self.route('DELETE', p, h); },
    fallback: function (h) { fallback = h; return self; },
    handle: handle,
  };
  return self;
}
