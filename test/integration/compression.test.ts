// HTTP compression over real HTTP: responses gzip or br when offered (over
// 1 KiB, with Vary), a gzip request body accepted, a gzip bomb a fast 413
// that never inflates whole, bad gzip a 400, any other encoding a 415 —
// and the reference client over the same wire: its pushes go gzip, its
// pages come back gzip, and a broken compressor is the server's 400.
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fetch } from '../../client/index.ts';
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

describe('the reference client', () => {
  /** Global fetch (which offers gzip and inflates what comes back), recording each request and response's encoding. */
  const recording = () => {
    const seen: { path: string; sent: string | undefined; received: string | null; vary: string | null }[] = [];
    const fetchFn: Fetch = async (url, init) => {
      const response = await fetch(url, init);
      seen.push({
        path: new URL(url).pathname,
        sent: init.headers['content-encoding'],
        received: response.headers.get('content-encoding'),
        vary: response.headers.get('vary'),
      });
      return response;
    };
    return { seen, fetch: fetchFn };
  };
  const catalogue = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      name: `Trade-show item ${i}`,
      sku: `SKU-${i}`,
      priceCents: 100 + i,
      currency: 'EUR',
      description: `Item ${i}: ${['oak', 'steel', 'linen', 'glass'][i % 4]} finish, ${i % 7} colours, ships in ${i % 5} days`,
    }));

  it('pushes gzip and pulls gzip; the server stores every record', async () => {
    const account = stack.newAccount();
    const ipadWire = recording();
    const ipad = await stack.device(account, 'ipad-1', { fetch: ipadWire.fetch });
    for (const fields of catalogue(200)) await ipad.save('products', fields);
    const pushed = await ipad.loginPush();
    expect(pushed.outcomes.filter((o) => o.status === 'created')).toHaveLength(200);
    expect(ipadWire.seen.find((r) => r.path === '/v1/sync/push')?.sent).toBe('gzip');

    const phoneWire = recording();
    const phone = await stack.device(account, 'phone-1', { fetch: phoneWire.fetch });
    await phone.syncNow();
    expect(await phone.list('products')).toHaveLength(200);
    const page = phoneWire.seen.find((r) => r.path === '/v1/sync/now')!;
    expect(page.sent).toBeUndefined(); // a Sync Now with nothing to push is small: plain
    expect(page.received).toBe('gzip'); // Node's fetch offers gzip (and deflate), not br
    expect(page.vary).toMatch(/Accept-Encoding/i);
  });

  it("surfaces a broken compressor as the server's 400, and pushes nothing", async () => {
    const account = stack.newAccount();
    const ipad = await stack.device(account, 'ipad-1', {
      compress: async (body) => new Uint8Array(body.byteLength >> 4),
    });
    for (const fields of catalogue(50)) await ipad.save('products', fields);
    await expect(ipad.loginPush()).rejects.toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    const web = await stack.as(account);
    const listed = await web.request<{ records: unknown[] }>('GET', '/v1/records/products');
    expect(listed.body.records).toHaveLength(0);
  });
});
