/*
 * The server on Node's sockets (net/host-sockets/sockets.ts) against real curl:
 * a temp directory served through a Node-fs FileSource behind the router,
 * on an ephemeral port of 127.0.0.1. Skipped, with a message, without curl.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fsp, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createSocketStack, type Listening } from '../../net/host-sockets/sockets';
import type { TcpApi } from '../../net/types';
import { serveFiles, type FileSource } from './files';
import { text } from './message';
import { router } from './router';
import { serveHttp, type HttpServer } from './server';

const haveCurl = spawnSync('curl', ['--version'], { stdio: 'ignore' }).error === undefined;

/** Node's fs as a FileSource rooted at `root` (the file server has already refused "..", NUL and backslashes). */
function nodeSource(root: string): FileSource {
  return {
    async stat(path) {
      try {
        const s = await fsp.stat(join(root, path));
        return { size: s.size, mtimeMs: s.mtimeMs, directory: s.isDirectory() };
      } catch {
        return null;
      }
    },
    async read(path, offset, length) {
      const fh = await fsp.open(join(root, path), 'r');
      try {
        const buf = Buffer.alloc(length);
        const { bytesRead } = await fh.read(buf, 0, length, offset);
        return new Uint8Array(buf.buffer, buf.byteOffset, bytesRead);
      } finally {
        await fh.close();
      }
    },
  };
}

interface Curl { code: number; stdout: Buffer; stderr: string }

/** Runs curl asynchronously (the server answers in this process meanwhile). */
function curl(args: string[]): Promise<Curl> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '10', ...args], { encoding: 'buffer', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr: stderr.toString('utf8') });
    });
  });
}

describe.skipIf(!haveCurl)('HTTP server on Node sockets against curl', () => {
  let dir: string;
  let base: string;
  let server: HttpServer;
  let listening: Listening;
  const stack = createSocketStack({ host: '127.0.0.1' });
  const logs: string[] = [];
  const errors: unknown[] = [];
  const index = '<!doctype html><title>hi</title>\n';
  const hello = 'hello, world\n'.repeat(100);
  const appJs = 'console.log("' + 'x'.repeat(5000) + '");\n';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nymote-http-'));
    writeFileSync(join(dir, 'index.html'), index);
    writeFileSync(join(dir, 'hello.txt'), hello);
    writeFileSync(join(dir, 'app.js'), appJs);
    writeFileSync(join(dir, 'app.js.gz'), gzipSync(appJs));
    mkdirSync(join(dir, 'docs'));
    writeFileSync(join(dir, 'docs', 'index.html'), 'docs');
    const r = router()
      .get('/healthz', () => text('ok\n'))
      .post('/echo', (req) => ({ status: 200, headers: { 'Content-Type': 'application/octet-stream' }, body: req.body }))
      .fallback(serveFiles(nodeSource(dir)));
    // listen() through listenAsync, so the test learns the ephemeral port (as net/host-sockets/network.ts binds)
    let bound: Promise<Listening> | null = null;
    const tcp: TcpApi = {
      listen: (port, onConnection) => { bound = stack.tcp.listenAsync(port, onConnection); const b = bound; return () => { void b.then((l) => l.close()); }; },
      connect: stack.tcp.connect,
    };
    server = serveHttp(tcp, 0, r.handle, { onLog: (l) => logs.push(l), onError: (e) => errors.push(e) });
    if (!bound) throw new Error('serveHttp did not listen');
    listening = await bound;
    base = 'http://127.0.0.1:' + listening.port;
  });

  afterAll(async () => {
    server?.stop();
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves files, index.html, redirects and errors with the right codes', async () => {
    const r = await curl(['-D', '-', base + '/']);
    expect(r.stdout.toString()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(r.stdout.toString().endsWith('\r\n\r\n' + index)).toBe(true);
    const codes = await Promise.all(['/hello.txt', '/docs', '/docs/', '/nope', '/../etc/passwd', '/%2e%2e/x', '/healthz'].map(async (p) =>
      (await curl(['--path-as-is', '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', base + p])).stdout.toString()));
    expect(codes).toEqual(['200 ', '301 ' + base + '/docs/', '200 ', '404 ', '400 ', '400 ', '200 ']);
    const post = await curl(['-X', 'POST', '-D', '-', '-o', '/dev/null', base + '/hello.txt']);
    expect(post.stdout.toString()).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n[^]*\r\nAllow: GET, HEAD\r\n/);
  });

  it('answers HEAD (-I) with the headers of GET and no body', async () => {
    const r = await curl(['-I', base + '/hello.txt']);
    const head = r.stdout.toString();
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head).toContain('\r\nContent-Length: ' + hello.length + '\r\n');
    expect(head).toContain('\r\nContent-Type: text/plain; charset=utf-8\r\n');
    expect(head).toMatch(/\r\nETag: "[0-9a-f]+-[0-9a-f]+"\r\n/);
    expect(head).toMatch(/\r\nLast-Modified: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r\n/);
    expect(head).toContain('\r\nAccept-Ranges: bytes\r\n');
    expect(head.endsWith('\r\n\r\n')).toBe(true);
  });

  it('serves a byte range (-r 0-9) as 206', async () => {
    const r = await curl(['-r', '0-9', '-D', '-', base + '/hello.txt']);
    const out = r.stdout.toString();
    expect(out).toMatch(/^HTTP\/1\.1 206 Partial Content\r\n/);
    expect(out).toContain('\r\nContent-Range: bytes 0-9/' + hello.length + '\r\n');
    expect(out.endsWith('\r\n\r\n' + hello.slice(0, 10))).toBe(true);
    const past = await curl(['-r', '99999-', '-o', '/dev/null', '-w', '%{http_code}', base + '/hello.txt']);
    expect(past.stdout.toString()).toBe('416');
  });

  it('answers If-None-Match with the current ETag with 304', async () => {
    const etag = /\r\nETag: ("[^"]+")\r\n/.exec((await curl(['-I', base + '/hello.txt'])).stdout.toString())![1];
    const r = await curl(['-H', 'If-None-Match: ' + etag, '-D', '-', base + '/hello.txt']);
    expect(r.stdout.toString()).toMatch(/^HTTP\/1\.1 304 Not Modified\r\n/);
    expect(r.stdout.toString()).toContain('\r\nETag: ' + etag + '\r\n');
    expect(r.stdout.toString().endsWith('\r\n\r\n')).toBe(true);
    const stale = await curl(['-H', 'If-None-Match: "stale", W/"other"', '-o', '/dev/null', '-w', '%{http_code}', base + '/hello.txt']);
    expect(stale.stdout.toString()).toBe('200');
  });

  it('serves the .gz sibling to curl --compressed, which decodes it to the original', async () => {
    const r = await curl(['--compressed', '-D', join(dir, 'headers.txt'), base + '/app.js']);
    expect(r.stdout.toString()).toBe(appJs);
    const headers = await fsp.readFile(join(dir, 'headers.txt'), 'utf8');
    expect(headers).toContain('\r\nContent-Encoding: gzip\r\n');
    expect(headers).toContain('\r\nVary: Accept-Encoding\r\n');
    expect(headers).toContain('\r\nContent-Type: text/javascript; charset=utf-8\r\n');
    expect(headers).toContain('\r\nContent-Length: ' + gzipSync(appJs).length + '\r\n');
    const plain = await curl(['-D', '-', base + '/app.js']);
    expect(plain.stdout.toString()).not.toContain('Content-Encoding');
    expect(plain.stdout.toString().endsWith(appJs)).toBe(true);
  });

  it('takes a chunked upload and echoes it byte for byte', async () => {
    const data = randomBytes(300_000);
    writeFileSync(join(dir, 'upload.bin'), data);
    const r = await curl(['-H', 'Transfer-Encoding: chunked', '--data-binary', '@' + join(dir, 'upload.bin'), '-v', base + '/echo']);
    expect(r.stderr).toMatch(/> Transfer-Encoding: chunked/);
    expect(r.stdout.equals(data)).toBe(true);
  });

  it('refuses an upload over the limit with 413, which curl reads before its upload is cut', async () => {
    writeFileSync(join(dir, 'too-big.bin'), randomBytes(3_000_000));
    for (const extra of [[], ['-H', 'Expect:']]) {
      const r = await curl([...extra, '--data-binary', '@' + join(dir, 'too-big.bin'), '-o', '/dev/null', '-w', '%{http_code}', base + '/echo']);
      expect(r.stdout.toString()).toBe('413');
    }
  });

  it('streams a large file intact', async () => {
    const data = randomBytes(3_000_000);
    writeFileSync(join(dir, 'large.bin'), data);
    const r = await curl([base + '/large.bin']);
    expect(r.stdout.equals(data)).toBe(true);
  });

  it('reuses one connection for two URLs (keep-alive)', async () => {
    const r = await curl(['-v', base + '/healthz', base + '/hello.txt']);
    expect(r.stdout.toString()).toBe('ok\n' + hello);
    expect(r.stderr).toMatch(/Re-using existing connection/);
  });

  it('answers a malformed request on a raw socket with 400 and closes', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const s = connect(listening.port, '127.0.0.1');
      let got = '';
      s.on('data', (d) => { got += d.toString('latin1'); });
      s.on('end', () => { s.end(); resolve(got); });
      s.on('error', reject);
      s.write('GET / HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n');
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[^]*\r\nConnection: close\r\n[^]*whitespace in a field name\n$/);
  });

  it('logged a line per request and no handler errors', () => {
    expect(errors).toEqual([]);
    expect(logs.length).toBeGreaterThanOrEqual(20);
    for (const l of logs) expect(l).toMatch(/^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "[^"]*" \d{3} (\d+|-) \d+ms$/);
    expect(logs).toContainEqual(expect.stringMatching(/"GET \/hello\.txt HTTP\/1\.1" 206 10 /));
  });
});
