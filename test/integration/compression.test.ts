// HTTP compression over real HTTP: responses gzip or br when offered (over
// 1 KiB, with Vary), a gzip request body accepted, a gzip bomb a fast 413
// that never inflates whole, bad gzip a 400, any other encoding a 415.
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, product, type Stack, startStack, webProduct } from '../support/local-stack.ts';

let stack: Stack;
let api: ApiClient;
beforeAll(async () => {
  stack = await startStack();
  api = await stack.as(stack.newAccount());
  for (let i = 0; i < 30; i++) await api.put('products', `p${i}`, webProduct(`Product ${i} with a longer name`));
});
afterAll(async () => {
  await stack?.stop();
});

type Raw = { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer; ms: number };

/** A request with exactly these headers and bytes (fetch would add and undo encodings itself). */
function raw(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Raw> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      `${stack.api.url}${path}`,
      { method, agent: false, headers: { authorization: `Bearer ${api.token}`, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            ms: performance.now() - started,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('responses', () => {
  it('come gzip when the client offers gzip, with Vary', async () => {
    const res = await raw('GET', '/v1/records/products?limit=100', { 'accept-encoding': 'gzip' });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers.vary).toMatch(/Accept-Encoding/i);
    const body = JSON.parse(gunzipSync(res.body).toString('utf8'));
    expect(body.records).toHaveLength(30);
  });

  it('come br when offered, and plain when nothing is', async () => {
    const br = await raw('GET', '/v1/records/products?limit=100', { 'accept-encoding': 'gzip, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(JSON.parse(brotliDecompressSync(br.body).toString('utf8')).records).toHaveLength(30);
    const plain = await raw('GET', '/v1/records/products?limit=100', {});
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toMatch(/Accept-Encoding/i);
    expect(JSON.parse(plain.body.toString('utf8')).records).toHaveLength(30);
    const refused = await raw('GET', '/v1/records/products?limit=100', { 'accept-encoding': 'br;q=0, gzip;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
  });

  it('stay plain under 1 KiB', async () => {
    const res = await raw('GET', '/v1/health', { 'accept-encoding': 'gzip' });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(res.body.toString('utf8'))).toStrictEqual({ ok: true });
  });
});

describe('requests', () => {
  const json = { 'content-type': 'application/json' };
  it('are accepted gzip', async () => {
    const body = JSON.stringify({
      deviceId: 'ipad-1',
      clientTime: Date.now(),
      changes: { products: [product('gz-1', Date.now())] },
    });
    const res = await raw('POST', '/v1/sync/push', { ...json, 'content-encoding': 'gzip' }, gzipSync(body));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString('utf8')).results.products[0].status).toBe('created');
  });

  it('refuse a gzip bomb with 413, fast, without inflating it whole', async () => {
    const bomb = gzipSync(Buffer.alloc(1024 * 1024 * 1024, 32)); // 1 GiB of spaces in about 1 MB
    expect(bomb.length).toBeLessThan(1.1 * 1024 * 1024);
    const before = process.memoryUsage().rss;
    const res = await raw('POST', '/v1/sync/push', { ...json, 'content-encoding': 'gzip' }, bomb);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body.toString('utf8')).error.code).toBe('PAYLOAD_TOO_LARGE');
    // The server shares this process: had it inflated the gigabyte, memory would show it.
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
    console.info(`gzip bomb (${bomb.length} bytes → 1 GiB): answered 413 in ${Math.round(res.ms)} ms`);
  });

  it('answer bad gzip with 400 and another encoding with 415', async () => {
    const bad = await raw(
      'POST',
      '/v1/sync/push',
      { ...json, 'content-encoding': 'gzip' },
      Buffer.from('not gzip at all'),
    );
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body.toString('utf8')).error.code).toBe('BAD_REQUEST');
    const other = await raw('POST', '/v1/sync/push', { ...json, 'content-encoding': 'deflate' }, Buffer.from('x'));
    expect(other.status).toBe(415);
    expect(JSON.parse(other.body.toString('utf8')).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});
