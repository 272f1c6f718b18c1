// Proving a device holds what the backend holds, and repairing where it does
// not, over real HTTP against the local stack: the web list bounded by an
// id range (`from`/`to`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedItems, storedItem } from '../../dev/seed.ts';
import type { CollectionName } from '../../protocol/collections.ts';
import { type ApiClient, product, type Stack, startStack } from '../support/local-stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const T = 1_764_000_000_000;
type Seeded = { id: string; updatedAt: number; deleted: boolean };

/** Writes `records` straight into the table (live, or tombstones) for a fresh account; returns its client. */
async function accountWith(records: Seeded[], collection: CollectionName = 'products'): Promise<ApiClient> {
  const account = stack.newAccount();
  await seedItems(
    stack.client,
    records.map((r) =>
      storedItem(account, collection, product(r.id, r.updatedAt), T, r.deleted ? { deleted: true } : {}),
    ),
  );
  return stack.as(account);
}

const error = (code: string) => expect.objectContaining({ error: expect.objectContaining({ code }) });

describe('GET /v1/records/{collection} with from/to', () => {
  // a … j, with c and f deleted.
  const letters = 'abcdefghij'.split('');
  const seeded = letters.map((id, i) => ({ id, updatedAt: T + i, deleted: id === 'c' || id === 'f' }));
  let web: ApiClient;
  beforeAll(async () => {
    web = await accountWith(seeded);
  });

  type ListBody = { records: { id: string }[]; cursor: string | null };
  const list = (query: string) => web.request<ListBody>('GET', `/v1/records/products?${query}`);
  /** Every page of a listing, following the cursor with the same query. */
  async function listAll(query: string): Promise<string[]> {
    const listed: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 50; page++) {
      const response = await list(`${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      listed.push(...response.body.records.map((r) => r.id));
      cursor = response.body.cursor;
      if (cursor === null) return listed;
    }
    throw new Error('the listing did not end');
  }

  it.each([
    ['from=c&to=g', ['d', 'e']],
    ['from=b&to=h', ['b', 'd', 'e', 'g']],
    ['from=h', ['h', 'i', 'j']],
    ['to=c', ['a', 'b']],
    ['from=a0&to=e0', ['b', 'd', 'e']],
    ['', ['a', 'b', 'd', 'e', 'g', 'h', 'i', 'j']],
  ])('%s: live records with from ≤ id < to, in id order', async (query, expected) => {
    expect(await listAll(`limit=100&${query}`)).toStrictEqual(expected);
  });

  it('pages through a range with its cursor, never past it', async () => {
    expect(await listAll('limit=1&from=b&to=i')).toStrictEqual(['b', 'd', 'e', 'g', 'h']);
  });

  it.each(['from=g&to=c', 'from=d&to=d'])('%s (from ≥ to): an empty page, no cursor', async (query) => {
    const response = await list(query);
    expect(response.status).toBe(200);
    expect(response.body).toStrictEqual({ records: [], cursor: null });
  });

  it.each(['from=', 'to=', 'from=bad%20id', `to=${'x'.repeat(129)}`, 'from=-starts-with-a-dash'])(
    '%s: 400 BAD_REQUEST',
    async (query) => {
      const response = await list(query);
      expect(response.status).toBe(400);
      expect(response.body).toEqual(error('BAD_REQUEST'));
    },
  );

  it('a cursor continues the range it was issued for only: another range, or none, is BAD_CURSOR', async () => {
    const first = await list('limit=1&from=b&to=i');
    const cursor = encodeURIComponent(first.body.cursor!);
    expect((await list(`limit=1&from=b&to=i&cursor=${cursor}`)).status).toBe(200);
    for (const other of ['from=b&to=j', 'from=a&to=i', 'from=b', 'to=i', '']) {
      const response = await list(`limit=1&${other}&cursor=${cursor}`);
      expect(response.status, other).toBe(400);
      expect(response.body).toEqual(error('BAD_CURSOR'));
    }
    const unbounded = await list('limit=1');
    const response = await list(`limit=1&from=a&cursor=${encodeURIComponent(unbounded.body.cursor!)}`);
    expect(response.body).toEqual(error('BAD_CURSOR'));
  });
});
