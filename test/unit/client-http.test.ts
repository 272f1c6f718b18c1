// The client's HTTP layer without a server: a hung request is aborted at its
// timeout and retried; the caller can cancel; a 401 asks for a fresh token
// once; every failure comes out as an error of its kind (offline, timeout,
// cancelled, busy with its Retry-After, auth, an answer that is not the
// API's); bodies over 1 KiB go gzip (plain again behind a server that
// refuses gzip); and ids come from crypto.getRandomValues, never Math.random.

import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  AuthError,
  CancelledError,
  OfflineError,
  ServerBusyError,
  SyncApiError,
  TimeoutError,
  UnexpectedResponseError,
} from '../../client/errors.ts';
import { type Compressor, createHttp, type Fetch, gzipStream } from '../../client/http.ts';
import { uuidGenerator } from '../../client/ids.ts';

const ok = (body: unknown) => ({ status: 200, headers: { get: () => null }, text: async () => JSON.stringify(body) });
const noSleep = { sleep: async () => {} };

describe('client HTTP', () => {
  it('aborts a request that hangs past its timeout, and retries it', async () => {
    let calls = 0;
    const fetch: Fetch = (_url, init) => {
      calls += 1;
      if (calls === 1) {
        return new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
      }
      return Promise.resolve(ok({ fine: true }));
    };
    const request = createHttp({ baseUrl: 'http://x', token: () => 't', fetch, retry: noSleep, timeoutMs: 50 });
    await expect(request('GET', '/', z.object({ fine: z.boolean() }))).resolves.toEqual({ fine: true });
    expect(calls).toBe(2);
  });

  it('stops at once when the caller cancels, without retrying', async () => {
    let calls = 0;
    const fetch: Fetch = (_url, init) => {
      calls += 1;
      // As fetch does: an already aborted signal rejects at once, a later abort when it comes.
      if (init.signal?.aborted) return Promise.reject(init.signal.reason);
      return new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    };
    const request = createHttp({ baseUrl: 'http://x', token: () => 't', fetch, retry: noSleep });
    const controller = new AbortController();
    const pending = request('GET', '/', z.unknown(), undefined, controller.signal);
    controller.abort(new Error('the rep left the page'));
    await expect(pending).rejects.toThrow('the rep left the page');
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    expect(calls).toBe(1);
  });

  it('asks for a fresh token once on 401, then gives up with the error', async () => {
    const tokens: string[] = [];
    const fetch: Fetch = async (_url, init) => {
      tokens.push(init.headers.authorization!);
      return {
        status: 401,
        headers: { get: () => null },
        text: async () => JSON.stringify({ error: { code: 'UNAUTHORIZED', message: 'expired' } }),
      };
    };
    const request = createHttp({
      baseUrl: 'http://x',
      token: (options) => (options?.refresh ? 'fresh' : 'stale'),
      fetch,
      retry: noSleep,
    });
    await expect(request('GET', '/', z.unknown())).rejects.toThrow(AuthError);
    expect(tokens).toEqual(['Bearer stale', 'Bearer fresh']);
  });

  it('takes the token as a plain string (which cannot be refreshed: a 401 is an AuthError at once)', async () => {
    const sent: string[] = [];
    const fetch: Fetch = async (_url, init) => {
      sent.push(init.headers.authorization!);
      return sent.length === 1 ? ok({ fine: true }) : { ...ok({ message: 'Unauthorized' }), status: 401 };
    };
    const request = createHttp({ baseUrl: 'http://x', token: 'a-token', fetch, retry: noSleep });
    await expect(request('GET', '/', z.object({ fine: z.boolean() }))).resolves.toEqual({ fine: true });
    await expect(request('GET', '/', z.unknown())).rejects.toMatchObject({ kind: 'auth', status: 401 });
    expect(sent).toEqual(['Bearer a-token', 'Bearer a-token']);
  });

  it('joins baseUrl and the path with one slash, with or without a trailing one', async () => {
    const urls: string[] = [];
    const fetch: Fetch = async (url) => {
      urls.push(url);
      return ok({});
    };
    for (const baseUrl of ['https://api.example.com', 'https://api.example.com/', 'https://x.example.com/prod//']) {
      await createHttp({ baseUrl, token: 't', fetch, retry: noSleep })('GET', '/v1/sync/status', z.unknown());
    }
    expect(urls).toStrictEqual([
      'https://api.example.com/v1/sync/status',
      'https://api.example.com/v1/sync/status',
      'https://x.example.com/prod/v1/sync/status',
    ]);
  });
});

describe('client HTTP errors, by kind', () => {
  const answering =
    (status: number, body: string, headers: Record<string, string> = {}): Fetch =>
    async () => ({ status, headers: { get: (name) => headers[name.toLowerCase()] ?? null }, text: async () => body });
  const run = (fetch: Fetch, schema: z.ZodType = z.unknown(), extra = {}) =>
    createHttp({ baseUrl: 'http://x', token: 't', fetch, retry: { ...noSleep, attempts: 3 }, ...extra })(
      'GET',
      '/',
      schema,
    );

  it('offline: every attempt failed to connect', async () => {
    let calls = 0;
    const error = await run(async () => {
      calls += 1;
      throw new TypeError('fetch failed');
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OfflineError);
    expect(error).toMatchObject({ kind: 'offline', cause: new TypeError('fetch failed') });
    expect(calls).toBe(3);
  });

  it('timeout: every attempt hung past the time limit', async () => {
    const hang: Fetch = (_url, init) =>
      new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    const error = await run(hang, z.unknown(), { timeoutMs: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ kind: 'timeout', timeoutMs: 20 });
  });

  it('busy: 503 past the retries, with when to come back (Retry-After, honoured between the tries)', async () => {
    const slept: number[] = [];
    const fetch = answering(503, JSON.stringify({ error: { code: 'SERVICE_UNAVAILABLE', message: 'busy' } }), {
      'retry-after': '2',
    });
    const request = createHttp({
      baseUrl: 'http://x',
      token: 't',
      fetch,
      retry: { attempts: 3, sleep: async (ms) => void slept.push(ms) },
    });
    const error = await request('GET', '/', z.unknown()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerBusyError);
    expect(error).toMatchObject({ kind: 'busy', status: 503, code: 'SERVICE_UNAVAILABLE', retryAfterMs: 2000 });
    expect(slept).toStrictEqual([2000, 2000]);
  });

  it("busy: API Gateway's own 429 body, without Retry-After", async () => {
    const error = await run(answering(429, '{"message":"Too Many Requests"}')).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'busy', status: 429, code: 'UNKNOWN', retryAfterMs: null });
  });

  it("api: the API's own error, with its code and issues", async () => {
    const body = { error: { code: 'BAD_REQUEST', message: 'bad', issues: [{ path: 'limit', message: 'too big' }] } };
    const error = await run(answering(400, JSON.stringify(body))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncApiError);
    expect(error).toMatchObject({ kind: 'api', status: 400, code: 'BAD_REQUEST', issues: body.error.issues });
  });

  it("unexpected response: a captive portal's HTML page answering 200", async () => {
    const portal = '<!doctype html><html><body>Sign in to Hotel Wi-Fi</body></html>';
    const error = await run(answering(200, portal, { 'content-type': 'text/html' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error).toMatchObject({ kind: 'unexpected-response', status: 200 });
    expect(String(error)).toMatch(/not JSON/);
    expect(String(error)).not.toMatch(/Hotel/);
  });

  it('unexpected response: JSON of another shape, named by its paths (never a raw ZodError)', async () => {
    const error = await run(answering(200, '{"serverTime":"soon"}'), z.object({ serverTime: z.number() })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error).toMatchObject({ issues: [{ path: 'serverTime', message: 'invalid_type' }] });
    expect(String(error)).not.toMatch(/soon/);
  });

  it("unexpected response: an error status whose body is not the API's (an HTML 404 from a wrong baseUrl)", async () => {
    const error = await run(answering(404, '<h1>Not Found</h1>')).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'unexpected-response', status: 404 });
  });

  it('cancelled before the first attempt: nothing is sent', async () => {
    let calls = 0;
    const controller = new AbortController();
    controller.abort();
    const request = createHttp({
      baseUrl: 'http://x',
      token: 't',
      fetch: async () => {
        calls += 1;
        return ok({});
      },
      retry: noSleep,
    });
    await expect(request('GET', '/', z.unknown(), undefined, controller.signal)).rejects.toMatchObject({
      kind: 'cancelled',
    });
    expect(calls).toBe(0);
  });
});

describe('client HTTP compression', () => {
  type Sent = { headers: Record<string, string>; body: string | Uint8Array | undefined };
  const recording = (answer: (n: number) => { status: number; body: unknown } = () => ({ status: 200, body: {} })) => {
    const sent: Sent[] = [];
    const fetch: Fetch = async (_url, init) => {
      sent.push({ headers: init.headers, body: init.body });
      const { status, body } = answer(sent.length);
      return { status, headers: { get: () => null }, text: async () => JSON.stringify(body) };
    };
    return { sent, fetch };
  };
  const big = { changes: { products: Array.from({ length: 40 }, (_, i) => ({ id: `p${i}`, name: `Product ${i}` })) } };

  it('sends a body over 1 KiB gzip, marked so, and a small one plain', async () => {
    const { sent, fetch } = recording();
    const request = createHttp({ baseUrl: 'http://x', token: () => 't', fetch, retry: noSleep });
    await request('POST', '/', z.unknown(), big);
    await request('POST', '/', z.unknown(), { small: true });
    expect(sent[0]!.headers['content-encoding']).toBe('gzip');
    expect(sent[0]!.body).toBeInstanceOf(Uint8Array);
    expect(JSON.parse(gunzipSync(sent[0]!.body as Uint8Array).toString('utf8'))).toStrictEqual(big);
    expect((sent[0]!.body as Uint8Array).byteLength).toBeLessThan(JSON.stringify(big).length / 3);
    expect(sent[1]!.headers['content-encoding']).toBeUndefined();
    expect(sent[1]!.body).toBe('{"small":true}');
  });

  it('uses the injected compressor, and none when given null', async () => {
    const { sent, fetch } = recording();
    let calls = 0;
    const counting = createHttp({
      baseUrl: 'http://x',
      token: () => 't',
      fetch,
      retry: noSleep,
      compress: (body) => {
        calls += 1;
        return gzipStream!(body);
      },
    });
    await counting('POST', '/', z.unknown(), big);
    expect(calls).toBe(1);
    const plain = createHttp({ baseUrl: 'http://x', token: () => 't', fetch, retry: noSleep, compress: null });
    await plain('POST', '/', z.unknown(), big);
    expect(sent[1]!.headers['content-encoding']).toBeUndefined();
    expect(sent[1]!.body).toBe(JSON.stringify(big));
  });

  it('keeps a body plain when gzip would not make it smaller', async () => {
    const { sent, fetch } = recording();
    const request = createHttp({
      baseUrl: 'http://x',
      token: () => 't',
      fetch,
      retry: noSleep,
      compress: async (body) => new Uint8Array(body.byteLength + 10),
    });
    await request('POST', '/', z.unknown(), big);
    expect(sent[0]!.headers['content-encoding']).toBeUndefined();
  });

  it('behind something that refuses gzip (415), sends the same body plain, and every later one', async () => {
    const { sent, fetch } = recording((n) =>
      n === 1
        ? { status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'no gzip here' } } }
        : { status: 200, body: { fine: true } },
    );
    const request = createHttp({ baseUrl: 'http://x', token: () => 't', fetch, retry: noSleep });
    await expect(request('POST', '/', z.object({ fine: z.boolean() }), big)).resolves.toEqual({ fine: true });
    await request('POST', '/', z.unknown(), big);
    expect(sent.map((s) => s.headers['content-encoding'] ?? 'plain')).toStrictEqual(['gzip', 'plain', 'plain']);
    expect(sent[1]!.body).toBe(JSON.stringify(big));
  });

  it('does not loop on a 415 for a plain body', async () => {
    const { sent, fetch } = recording(() => ({
      status: 415,
      body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'the body must be application/json' } },
    }));
    const request = createHttp({ baseUrl: 'http://x', token: () => 't', fetch, retry: noSleep, compress: null });
    await expect(request('POST', '/', z.unknown(), big)).rejects.toMatchObject({ status: 415 });
    expect(sent).toHaveLength(1);
  });
});

describe('compressors', () => {
  it('takes one that answers at once, over any ArrayBuffer (as pako.gzip does), and sends an ArrayBuffer-backed copy', async () => {
    const sent: (string | Uint8Array | undefined)[] = [];
    const fetch: Fetch = async (_url, init) => {
      sent.push(init.body);
      return ok({});
    };
    // What pako.gzip's type says: a Uint8Array over any buffer, returned synchronously.
    const shared: Compressor = (bytes) => new Uint8Array(new SharedArrayBuffer(8)).fill(bytes.length % 256);
    const big = { text: 'x'.repeat(5000) };
    await createHttp({ baseUrl: 'http://x', token: 't', fetch, retry: noSleep, compress: shared })(
      'POST',
      '/',
      z.unknown(),
      big,
    );
    expect(sent[0]).toBeInstanceOf(Uint8Array);
    expect((sent[0] as Uint8Array).buffer).toBeInstanceOf(ArrayBuffer);
    expect([...(sent[0] as Uint8Array)]).toStrictEqual(Array(8).fill(JSON.stringify(big).length % 256));
  });
});

describe('uuidGenerator', () => {
  it('makes RFC 4122 version 4 ids from crypto.getRandomValues', () => {
    const next = uuidGenerator();
    const ids = new Set(Array.from({ length: 1000 }, next));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('fails loudly at set-up where there is no crypto.getRandomValues (never Math.random)', () => {
    expect(() => uuidGenerator({})).toThrow(/getRandomValues/);
    expect(() => uuidGenerator({ getRandomValues: undefined })).toThrow(/getRandomValues/);
  });
});
