// Proving a device holds what the backend holds, and repairing where it does
// not, over real HTTP against the local stack: POST /v1/sync/verify, its
// digests recomputed here from the records the test wrote (with node:crypto,
// from the protocol's definition, never with the server's code), and the
// web list bounded by an id range (`from`/`to`).
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedItems, storedItem } from '../../dev/seed.ts';
import type { CollectionName } from '../../protocol/records.ts';
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

/** Digest v2, written out: SHA-256(id \n updatedAt \n contentHash), contentHash over RFC 8785 by `canonicalize`. */
function digestV2(records: ({ id: string; updatedAt: number } & Record<string, unknown>)[]): string {
  let sum = 0n;
  for (const { id, updatedAt, ...content } of records) {
    const hash = createHash('sha256')
      .update(canonicalize(content) ?? '', 'utf8')
      .digest('hex');
    sum += BigInt(
      `0x${createHash('sha256').update(`${id}\n${updatedAt}\n${hash}`, 'utf8').digest('hex').slice(0, 16)}`,
    );
  }
  return BigInt.asUintN(64, sum).toString(16).padStart(16, '0');
}

/** The protocol's digest, written out: per record the first 8 bytes of SHA-256(id \n updatedAt), summed mod 2^64. */
function digest(records: { id: string; updatedAt: number }[]): string {
  let sum = 0n;
  for (const { id, updatedAt } of records) {
    sum += BigInt(`0x${createHash('sha256').update(`${id}\n${updatedAt}`, 'utf8').digest('hex').slice(0, 16)}`);
  }
  return (sum % 2n ** 64n).toString(16).padStart(16, '0');
}

type Part = { from: string | null; to: string | null; count: number; digest: string };
type VerifyBody = { serverTime: number; parts: Part[]; cursor: string | null };

/** The records of `records` inside a part's range. */
const inside = <T extends { id: string }>(records: T[], { from, to }: { from: string | null; to: string | null }) =>
  records.filter((r) => (from === null || r.id >= from) && (to === null || r.id < to));

const verify = (api: ApiClient, body: Record<string, unknown>) =>
  api.request<VerifyBody>('POST', '/v1/sync/verify', { deviceId: 'ipad-7', collection: 'products', ...body });

/** Every page of one verify, following the cursor with the same request; the Query count of each request. */
async function verifyAll(api: ApiClient, body: Record<string, unknown>) {
  const pages: VerifyBody[] = [];
  const queries: number[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const before = stack.requests.snapshot().Query ?? 0;
    const response = await verify(api, { ...body, cursor });
    queries.push((stack.requests.snapshot().Query ?? 0) - before);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    pages.push(response.body);
    cursor = response.body.cursor;
    if (cursor === null) return { pages, parts: pages.flatMap((p) => p.parts), queries };
  }
  throw new Error('the verify did not end');
}

/** The parts follow one another without gap or overlap, from `from` to `to`. */
function expectContiguous(parts: Part[], from: string | null, to: string | null) {
  expect(parts[0]!.from).toBe(from);
  expect(parts.at(-1)!.to).toBe(to);
  for (let k = 1; k < parts.length; k++) expect(parts[k]!.from, `part ${k}`).toBe(parts[k - 1]!.to);
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

describe('POST /v1/sync/verify', () => {
  it('counts and digests what the test wrote, tombstones left out, as a device that synced computes it', async () => {
    const web = await stack.as(stack.newAccount());
    const pushed = await web.push('ipad-9', {
      products: Array.from({ length: 30 }, (_, i) => product(`d${String(i).padStart(2, '0')}`, Date.now() - 1000)),
    });
    expect(pushed.status).toBe(200);
    const written = new Map<string, number>();
    for (const r of pushed.body.results.products ?? []) written.set(r.id!, r.updatedAt!);
    for (const i of [1, 2, 3, 4, 5]) {
      const put = await web.put('products', `w${i}`, { name: `W${i}`, sku: `W${i}`, priceCents: 1, currency: 'EUR' });
      written.set(`w${i}`, put.body.record.updatedAt);
    }
    for (const id of ['d03', 'd17', 'w2']) {
      expect((await web.delete('products', id)).status).toBe(204);
      written.delete(id);
    }
    const live = [...written].map(([id, updatedAt]) => ({ id, updatedAt })).sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(live).toHaveLength(32);

    const whole = await verify(web, { parts: 1 });
    expect(whole.status).toBe(200);
    expect(whole.body).toStrictEqual({
      serverTime: expect.any(Number),
      digest: 'v1',
      parts: [{ from: null, to: null, count: 32, digest: digest(live) }],
      cursor: null,
    });
    // A device that synced holds the same: its own digest over what Sync Now gave it matches.
    const { pages } = await web.syncAll('ipad-7', null);
    const held = pages.flatMap((p) => p.changes.products ?? []).map(({ id, updatedAt }) => ({ id, updatedAt }));
    expect(digest(held)).toBe(whole.body.parts[0]!.digest);
    // Digest v2 (v1.3) covers content too: recomputed here over the records as the device received them.
    const received = pages.flatMap((p) => p.changes.products ?? []).map(({ updatedBy: _b, ...record }) => record);
    const v2 = await verify(web, { parts: 1, digest: 'v2' });
    expect(v2.body).toMatchObject({ digest: 'v2', parts: [{ count: 32, digest: digestV2(received) }] });
    expect(v2.body.parts[0]!.digest).not.toBe(whole.body.parts[0]!.digest);
    expect((await verify(web, { digest: 'v3' })).status).toBe(400);
    expect((await verify(web, { parts: 1, digest: null })).body).toMatchObject({ digest: 'v1' });

    // Split in four: counts 8 each, bounds real ids, each part its own records' digest.
    const split = await verify(web, {});
    const parts = (await verify(web, { parts: 4 })).body.parts;
    expect(split.body.parts).toHaveLength(16);
    expect(parts.map((p) => p.count)).toStrictEqual([8, 8, 8, 8]);
    expectContiguous(parts, null, null);
    for (const part of parts.slice(1)) expect(written.has(part.from!), `${part.from} is a live id`).toBe(true);
    for (const part of parts) expect(part.digest).toBe(digest(inside(live, part)));
  });

  it('honours from (inclusive) and to (exclusive), and a part verified again gives the same answer', async () => {
    const seeded = Array.from({ length: 100 }, (_, i) => ({
      id: `p${String(i).padStart(3, '0')}`,
      updatedAt: T + i,
      deleted: i % 10 === 7,
    }));
    const web = await accountWith(seeded);
    const live = seeded.filter((r) => !r.deleted);

    const bounded = await verify(web, { from: 'p020', to: 'p060', parts: 5 });
    expect(bounded.status).toBe(200);
    const { parts } = bounded.body;
    expectContiguous(parts, 'p020', 'p060');
    const expected = inside(live, { from: 'p020', to: 'p060' }); // p020 in, p060 out
    expect(expected.map((r) => r.id)).toContain('p020');
    expect(parts.reduce((n, p) => n + p.count, 0)).toBe(expected.length);
    for (const part of parts) expect(part.digest).toBe(digest(inside(live, part)));

    // Narrowing down, as a client does for a part that differs: the part's own range, again.
    const again = await verify(web, { from: parts[2]!.from, to: parts[2]!.to, parts: 1 });
    expect(again.body.parts).toStrictEqual([parts[2]]);

    // A range between ids, and a range beyond the last.
    const between = await verify(web, { from: 'p0095', to: 'p0985', parts: 1 });
    expect(between.body.parts[0]).toMatchObject({ count: inside(live, { from: 'p0095', to: 'p0985' }).length });
    const beyond = await verify(web, { from: 'q', parts: 3 });
    expect(beyond.body).toMatchObject({
      parts: [{ from: 'q', to: null, count: 0, digest: '0'.repeat(16) }],
      cursor: null,
    });
  });

  it('an empty collection, and a range with from ≥ to: one part of count 0, the empty digest', async () => {
    const web = await stack.as(stack.newAccount());
    expect((await verify(web, { collection: 'orders' })).body).toMatchObject({
      parts: [{ from: null, to: null, count: 0, digest: '0000000000000000' }],
      cursor: null,
    });
    const seeded = await accountWith([{ id: 'm', updatedAt: T, deleted: false }]);
    for (const [from, to] of [
      ['m', 'm'],
      ['n', 'a'],
    ]) {
      expect((await verify(seeded, { from, to })).body).toMatchObject({
        parts: [{ from, to, count: 0, digest: '0000000000000000' }],
        cursor: null,
      });
    }
  });

  it('5,000 records, a third of them tombstones: paged by cursor, at most 32 queries a request, parts covering the range', async () => {
    const seeded = Array.from({ length: 5000 }, (_, i) => ({
      id: `r-${String(i).padStart(5, '0')}`,
      updatedAt: T + (i % 997),
      deleted: i % 3 === 1,
    }));
    const web = await accountWith(seeded);
    const live = seeded.filter((r) => !r.deleted);
    stack.requests.reset();

    const { pages, parts, queries } = await verifyAll(web, { parts: 64 });
    expect(pages.length, 'a range this size takes more than one page').toBeGreaterThan(1);
    expect(Math.max(...queries)).toBeLessThanOrEqual(32);
    for (const page of pages) expect(page.parts.length).toBeLessThanOrEqual(64);
    expectContiguous(parts, null, null);
    expect(parts.reduce((n, p) => n + p.count, 0)).toBe(live.length);
    for (const part of parts) {
      expect(part.count).toBe(inside(live, part).length);
      expect(part.digest).toBe(digest(inside(live, part)));
    }
    expect(stack.requests.written, 'nothing is written').toBe(0);
    for (const operation of ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'Scan']) {
      expect(stack.requests.snapshot()[operation] ?? 0, operation).toBe(0);
    }

    // Bounded the same way, from the middle.
    const bounded = await verifyAll(web, { from: 'r-01000', to: 'r-04500', parts: 8 });
    expectContiguous(bounded.parts, 'r-01000', 'r-04500');
    expect(bounded.parts.reduce((n, p) => n + p.count, 0)).toBe(
      inside(live, { from: 'r-01000', to: 'r-04500' }).length,
    );
    expect(Math.max(...bounded.queries)).toBeLessThanOrEqual(32);
  });

  it('400 BAD_REQUEST for parts 0 or 65, bad ids, an unknown collection, a missing or bad deviceId, unknown fields', async () => {
    const web = await stack.as(stack.newAccount());
    for (const body of [
      { parts: 0 },
      { parts: 65 },
      { parts: 1.5 },
      { from: 'bad id' },
      { to: `${'x'.repeat(129)}` },
      { from: '' },
      { collection: 'widgets' },
      { deviceId: null },
      { deviceId: 'has#hash' },
      { colour: 'red' },
    ]) {
      const response = await verify(web, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body).toEqual(error('BAD_REQUEST'));
    }
    expect((await verify(web, { parts: 64 })).status).toBe(200);
    expect((await verify(web, { parts: 1 })).status).toBe(200);
  });

  it('400 BAD_CURSOR for a malformed cursor, another kind, another account, collection or range', async () => {
    const seeded = Array.from({ length: 2500 }, (_, i) => ({
      id: `k${String(i).padStart(4, '0')}`,
      updatedAt: T,
      deleted: false,
    }));
    const account = stack.newAccount();
    await seedItems(
      stack.client,
      seeded.map((r) => storedItem(account, 'products', product(r.id, r.updatedAt), T)),
    );
    const web = await stack.as(account);
    const first = await verify(web, { to: 'k9999' });
    const cursor = first.body.cursor!;
    expect(cursor).toEqual(expect.any(String));
    expect((await verify(web, { to: 'k9999', cursor })).status).toBe(200);
    const listCursor = (await web.request<{ cursor: string }>('GET', '/v1/records/products?limit=1')).body.cursor;
    const other = await stack.as(stack.newAccount());
    const refused: [ApiClient, Record<string, unknown>][] = [
      [web, { to: 'k9999', cursor: 'garbage' }],
      [web, { to: 'k9999', cursor: `${cursor.slice(0, -2)}${cursor.endsWith('A') ? 'BB' : 'AA'}` }],
      [web, { to: 'k9999', cursor: listCursor }],
      [web, { cursor }], // another range: to
      [web, { to: 'k9999', from: 'k0000', cursor }], // another range: from
      [web, { to: 'k9999', collection: 'customers', cursor }],
      [other, { to: 'k9999', cursor }],
    ];
    for (const [api, body] of refused) {
      const response = await verify(api, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body).toEqual(error('BAD_CURSOR'));
    }
    // And a verify cursor is no list or Sync Now cursor.
    expect((await web.request('GET', `/v1/records/products?cursor=${encodeURIComponent(cursor)}`)).body).toEqual(
      error('BAD_CURSOR'),
    );
    expect((await web.syncNow('ipad-7', cursor)).body).toEqual(error('BAD_CURSOR'));
  });
});
