// The envelope tests' harness (envelope.test.ts, envelope-compressed.test.ts):
// a local stack whose invocations are watched, and the checks every case
// makes on what its requests did. Two files, so the two workers share the
// heavy cases.
import { afterAll, beforeAll, expect } from 'vitest';
import type { Invocation } from '../../dev/local-api.ts';
import { seedItems, storedItem } from '../../dev/seed.ts';
import { LAMBDA_PAYLOAD_BYTES } from '../../functions/http/page-budget.ts';
import { type ApiClient, product, type Stack, type SyncNowBody, startStack } from './local-stack.ts';

/** Starts the stack for the calling test file (and stops it after), with the harness's helpers bound to it. */
export function envelopeHarness() {
  let stack!: Stack;
  const invocations: Invocation[] = [];
  const loud: string[] = [];
  beforeAll(async () => {
    stack = await startStack({
      observe: (i) => invocations.push(i),
      log: (line) => loud.push(line),
      // Records written straight to the table past the schema's limits (to load a page to the brim):
      // answers no API write could lead to, so not held to the OpenAPI document.
      contract: false,
    });
  });
  afterAll(async () => {
    await stack?.stop();
    const largest = new Map<string, number>();
    for (const i of invocations) largest.set(i.route, Math.max(largest.get(i.route) ?? 0, i.resultBytes));
    console.info('largest proxy result per route (bytes):', Object.fromEntries(largest));
    console.info('slowest request (ms):', Math.round(Math.max(...invocations.map((i) => i.ms))));
  });

  /**
   * The invocations a block of work made: every one under the payload limit,
   * none a 5xx, and none doing unbounded work (at most 32 queries and 1,000
   * writes a request, whatever the account holds). Time is reported, not
   * asserted (a timed test on a shared 2-core machine flakes): the slowest
   * request of each case is printed, and the figures go in the notes.
   */
  async function withinEnvelope<T>(work: () => Promise<T>): Promise<{ result: T; largest: number; slowest: number }> {
    const from = invocations.length;
    stack.requests.reset();
    const result = await work();
    const made = invocations.slice(from);
    const largest = Math.max(0, ...made.map((i) => i.resultBytes));
    const slowest = Math.max(0, ...made.map((i) => i.ms));
    expect(largest).toBeLessThanOrEqual(LAMBDA_PAYLOAD_BYTES);
    expect(made.filter((i) => i.status >= 500)).toEqual([]);
    const requests = stack.requests.snapshot();
    expect((requests.Query ?? 0) / Math.max(1, made.length), 'queries per request').toBeLessThanOrEqual(35);
    expect((requests.PutItem ?? 0) / Math.max(1, made.length), 'writes per request').toBeLessThanOrEqual(1000);
    console.info(
      `${expect.getState().currentTestName}: ${made.length} requests, slowest ${Math.round(slowest)} ms, largest ${largest} B`,
    );
    return { result, largest, slowest };
  }

  /**
   * A caller that takes responses plain: the escaped body is the hostile
   * cases' worst case (a compressed page is sized on its own bytes, below).
   */
  const plainAs = (account: string) => stack.as(account, 'alice', { 'accept-encoding': 'identity' });

  /** Writes `n` products straight to the table (no schema check), each described (and named) afresh, changed now. */
  async function seedProducts(
    account: string,
    n: number,
    description: () => string,
    name = (i: number) => `Product p${i}`,
  ) {
    const now = Date.now();
    await seedItems(
      stack.client,
      Array.from({ length: n }, (_, i) =>
        storedItem(account, 'products', product(`p${i}`, now, { name: name(i), description: description() }), now),
      ),
    );
  }

  /** Sync Now until the pass ends; every page checked. */
  async function syncPass(api: ApiClient, deviceId: string, cursor: string | null, first: Record<string, unknown>) {
    const pages: SyncNowBody[] = [];
    let next = cursor;
    for (let page = 0; page < 200; page++) {
      const response = await api.syncNow(deviceId, next, page === 0 ? first : { limit: first.limit ?? 500 });
      expect(response.status, JSON.stringify(response.body).slice(0, 300)).toBe(200);
      pages.push(response.body);
      next = response.body.cursor;
      if (!response.body.hasMore) return { pages, cursor: next };
    }
    throw new Error('the pass did not end');
  }
  const idsOf = (pages: SyncNowBody[], collection: string) =>
    pages.flatMap((p) => (p.changes[collection] ?? []).map((r) => r.id));

  return {
    get stack() {
      return stack;
    },
    loud,
    withinEnvelope,
    plainAs,
    seedProducts,
    syncPass,
    idsOf,
  };
}
