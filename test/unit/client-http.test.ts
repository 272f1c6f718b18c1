// The client's HTTP layer without a server: a hung request is aborted at its
// timeout and retried; the caller can cancel; a 401 asks for a fresh token
// once; and ids come from crypto.getRandomValues, never Math.random.

import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createHttp, type Fetch, SyncApiError } from '../../client/http.ts';
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
