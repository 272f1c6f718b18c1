// The LocalStore contract, as a suite an adapter author runs against their
// own store: with vitest, jest or node:test — the runner's describe, it and
// expect are handed in, so the SDK depends on none of them. The SDK runs it
// against every store it ships.
import type { LocalRow, LocalStore } from './local-store.ts';

export type ContractRunner = {
  describe: (name: string, body: () => void) => void;
  it: (name: string, test: () => Promise<void>) => void;
  expect: (
    value: unknown,
    message?: string,
  ) => {
    toStrictEqual(expected: unknown): void;
    toBe(expected: unknown): void;
    toBeNull(): void;
    toBeUndefined(): void;
  };
};

/** A content hash, as far as a store is concerned: a string it keeps. */
const hash = (n: number) => String(n).repeat(64).slice(0, 64);

const row = (id: string, over: Partial<LocalRow> = {}): LocalRow => ({
  collection: 'products',
  id,
  record: { id, updatedAt: 1, name: id },
  pending: false,
  editSeq: 0,
  issues: null,
  mark: null,
  base: null,
  backend: { updatedAt: 1, contentHash: hash(1) },
  lost: false,
  ...over,
});

/** Registers the contract's tests for the store `make` builds (a fresh, empty one each time). */
export function describeStoreContract(
  name: string,
  make: () => LocalStore | Promise<LocalStore>,
  t: ContractRunner,
): void {
  const { describe, it, expect } = t;
  describe(`${name} keeps the LocalStore contract`, () => {
    it('stores, lists and reads back rows and meta', async () => {
      const s = await make();
      await s.apply({ put: [row('a'), row('b', { pending: true, editSeq: 2 })], meta: { cursor: 'c1' } });
      expect((await s.list('products')).map((r) => r.id)).toStrictEqual(['a', 'b']);
      expect((await s.pending()).map((r) => r.id)).toStrictEqual(['b']);
      expect(await s.meta('cursor')).toBe('c1');
      expect(await s.get({ collection: 'products', id: 'a' })).toStrictEqual(row('a'));
      await s.apply({ meta: { cursor: null } });
      expect(await s.meta('cursor')).toBeNull();
    });

    it('keeps one discarded edit per record, newest last, and forgets on request', async () => {
      const s = await make();
      const lost = (id: string, at: number) => ({
        collection: 'products',
        id,
        reason: 'stale' as const,
        local: { id, updatedAt: at, name: `rep ${at}` },
        winner: { updatedAt: at + 1, updatedBy: { userId: 'web-admin', deviceId: null }, record: null },
        at,
      });
      await s.apply({ discard: [lost('a', 1), lost('b', 2)] });
      await s.apply({ discard: [lost('a', 3)] });
      expect((await s.discarded()).map((d) => [d.id, d.at])).toStrictEqual([
        ['b', 2],
        ['a', 3],
      ]);
      await s.apply({ forget: [{ collection: 'products', id: 'b' }] });
      expect(await s.discarded()).toStrictEqual([lost('a', 3)]);
    });

    it('leaves quarantined rows out of pending', async () => {
      const s = await make();
      await s.apply({ put: [row('a', { pending: true, editSeq: 1, issues: [{ path: 'name', message: 'bad' }] })] });
      expect(await s.pending()).toStrictEqual([]);
    });

    it('never overwrites or removes a row edited after the version a batch was based on', async () => {
      const s = await make();
      await s.apply({
        put: [row('a', { pending: true, editSeq: 5, record: { id: 'a', updatedAt: 9, name: 'local edit' } })],
      });
      await s.apply({ put: [row('a', { editSeq: 4, record: { id: 'a', updatedAt: 2, name: 'server' } })] });
      expect((await s.get({ collection: 'products', id: 'a' }))?.record.name).toBe('local edit');
      await s.apply({ remove: [{ collection: 'products', id: 'a', ifEditSeqAtMost: 4 }] });
      expect((await s.get({ collection: 'products', id: 'a' }))?.record.name).toBe('local edit');
      await s.apply({ remove: [{ collection: 'products', id: 'a' }] }); // a pulled tombstone removes whatever is there
      expect(await s.get({ collection: 'products', id: 'a' })).toBeUndefined();
    });

    it("keeps each row's edit base, backend version and lost mark as written, and lists pending rows in edit order", async () => {
      const s = await make();
      const rows = [
        row('pulled'),
        row('edited', { pending: true, editSeq: 3, record: { id: 'edited', updatedAt: 20, name: 'edit' }, base: 1 }),
        row('created', { pending: true, editSeq: 1, base: null, backend: null }),
        row('lost', {
          pending: true,
          editSeq: 2,
          record: { id: 'lost', updatedAt: 30, name: 'lost' },
          base: 5,
          backend: { updatedAt: 5, contentHash: hash(5) },
          lost: true,
        }),
      ];
      await s.apply({ put: rows });
      for (const r of rows) expect(await s.get(r), r.id).toStrictEqual(r);
      expect((await s.pending()).map((r) => r.id)).toStrictEqual(['created', 'lost', 'edited']);
      // A newer version replaces them; a put refused by the edit counter leaves them.
      const acknowledged = row('edited', { editSeq: 3, backend: { updatedAt: 21, contentHash: hash(2) } });
      await s.apply({ put: [acknowledged, row('lost', { editSeq: 1, backend: null })] });
      expect(await s.get(acknowledged)).toStrictEqual(acknowledged);
      expect(await s.get({ collection: 'products', id: 'lost' })).toStrictEqual(rows[3]);
    });

    it('sweeps clean rows a snapshot did not mark, keeping pending and quarantined ones', async () => {
      const s = await make();
      await s.apply({
        put: [
          row('kept', { mark: 'm1' }),
          row('dropped', { mark: 'old' }),
          row('never-marked'),
          row('pending', { pending: true, editSeq: 3 }),
          row('quarantined', { pending: true, editSeq: 4, issues: [] }),
        ],
      });
      await s.apply({ sweepUnmarked: 'm1' });
      expect((await s.list()).map((r) => r.id).sort()).toStrictEqual(['kept', 'pending', 'quarantined']);
    });
  });
}
