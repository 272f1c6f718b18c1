// The local server's app routes (dev/app-server.ts) over real HTTP, without
// a browser: POST /dev/token answers only a request addressed to this
// machine by name (a page on another site that rebinds its DNS name to
// 127.0.0.1 must not mint tokens) and reads a few KB at most; /app/ comes
// with a Content-Security-Policy strict enough that the page runs only the
// served script and stylesheet, and may not be framed.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServer, appServer } from '../../dev/app-server.ts';

let app: AppServer & { bytes: number };
let server: Server;
let port: number;
beforeAll(async () => {
  app = await appServer('test-secret');
  server = createServer((req, res) => {
    void app(req, res).then((answered) => {
      if (!answered) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** One request with the headers given as they are (fetch would not let a test set Host). */
function send(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Readable,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      // Stop sending whatever is left of the body: the answer is in.
      if (body instanceof Readable) body.destroy();
    });
    req.on('error', reject);
    if (body instanceof Readable) {
      body.on('error', () => undefined);
      body.pipe(req);
    } else req.end(body);
  });
}

const tokenBody = JSON.stringify({ accountId: 'acme', userId: 'alice' });
const json = { 'content-type': 'application/json' };

/** A body of `total` bytes made as it is read, counting how much was asked for. */
function hugeBody(total: number) {
  let made = 0;
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const stream = new Readable({
    read() {
      if (made >= total) return void this.push(null);
      made += chunk.length;
      this.push(chunk);
    },
  });
  return { stream, made: () => made };
}

describe('POST /dev/token', () => {
  it.each(['localhost:3000', '127.0.0.1:3000', 'localhost', '127.0.0.1:41234', '[::1]:3000'])(
    'signs a token for Host %s',
    async (host) => {
      const answer = await send('POST', '/dev/token', { ...json, host }, tokenBody);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).token).toMatch(/^ey/);
    },
  );

  it.each([
    'evil.example',
    'evil.example:3000',
    'localhost.evil.example:3000',
    '127.0.0.1.nip.io',
    'localhost:3000:3000',
  ])('refuses Host %j: a DNS-rebound name reaches 127.0.0.1 but is not this machine', async (host) => {
    const answer = await send('POST', '/dev/token', { ...json, host }, tokenBody);
    expect(answer.status).toBe(403);
    expect(answer.body).not.toMatch(/token"/);
  });

  it('refuses a declared 300 MB body at once, before reading it', async () => {
    const body = hugeBody(300 * 1024 * 1024);
    const answer = await send(
      'POST',
      '/dev/token',
      { ...json, host: 'localhost', 'content-length': String(300 * 1024 * 1024) },
      body.stream,
    );
    expect(answer.status).toBe(413);
    // What the sockets buffer between the two ends (a few MB on loopback), not the 300 MB.
    expect(body.made()).toBeLessThan(32 * 1024 * 1024);
  });

  it('stops reading a chunked body (no length declared) once it passes a few KB', async () => {
    const body = hugeBody(300 * 1024 * 1024);
    const answer = await send('POST', '/dev/token', { ...json, host: 'localhost' }, body.stream);
    expect(answer.status).toBe(413);
    expect(body.made()).toBeLessThan(32 * 1024 * 1024);
  });

  it('still answers 400 to a small body that is not a token request', async () => {
    const answer = await send('POST', '/dev/token', { ...json, host: 'localhost' }, '{"accountId":""}');
    expect(answer.status).toBe(400);
  });
});

describe('/app/', () => {
  it('stays small: the script (mostly the SDK and zod) under 160 KB minified', () => {
    // 146 KB before the phone layout, 152 KB after it; the stylesheet is another 5 KB.
    expect(app.bytes).toBeLessThan(160 * 1024);
  });

  it('comes with a strict Content-Security-Policy, nosniff and a Referrer-Policy', async () => {
    const answer = await send('GET', '/app/', { host: 'localhost:3000' });
    expect(answer.status).toBe(200);
    const csp = String(answer.headers['content-security-policy']);
    const directives = Object.fromEntries(
      csp.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values.join(' ')];
      }),
    );
    expect(directives).toMatchObject({
      'default-src': "'none'",
      'script-src': "'self'",
      'style-src': "'self'",
      'frame-ancestors': "'none'",
      'base-uri': "'none'",
    });
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['referrer-policy']).toBe('no-referrer');
  });

  it('the page needs nothing the policy forbids: no inline script or style', async () => {
    const page = (await send('GET', '/app/', { host: 'localhost' })).body;
    expect(page).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    const scripts = [...page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, inline] of scripts) {
      expect(attributes).toMatch(/\ssrc="\/app\//);
      expect(inline!.trim()).toBe('');
    }
    expect(page).toMatch(/<link rel="stylesheet" href="\/app\/app\.css"/);
  });

  it.each([
    ['/app/main.js', /^text\/javascript/],
    ['/app/app.css', /^text\/css/],
  ])('serves %s with its type and nosniff', async (path, type) => {
    const answer = await send('GET', path, { host: 'localhost' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(type);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.body.length).toBeGreaterThan(100);
  });
});
