// The client's HTTP layer without a server: a hung request is aborted at its
// timeout and retried; the caller can cancel; a 401 asks for a fresh token
// once; bodies over 1 KiB go gzip (plain again behind a server that refuses
// gzip); and ids come from crypto.getRandomValues, never Math.random.

import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createHttp, type Fetch, gzipStream, SyncApiError } from '../../client/http.ts';
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
    await expect(request('GET', '/', z.unknown())).rejects.toThrow(SyncApiError);
    expect(tokens).toEqual(['Bearer stale', 'Bearer fresh']);
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
