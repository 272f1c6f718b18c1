// The LocalStore contract, run against both implementations.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type LocalRow, type LocalStore, MemoryStore } from '../../client/local-store.ts';
import { SqliteStore } from '../../client/sqlite-store.ts';

const row = (id: string, over: Partial<LocalRow> = {}): LocalRow => ({
  collection: 'products',
  id,
  record: { id, updatedAt: 1, name: id },
  pending: false,
  editSeq: 0,
  issues: null,
  mark: null,
  ...over,
});

for (const [name, make] of [
  ['MemoryStore', () => new MemoryStore()],
  ['SqliteStore', () => new SqliteStore(':memory:')],
] as const) {
  describe(name, () => {
    const store = (): LocalStore => make();

    it('stores, lists and reads back rows and meta', async () => {
      const s = store();
      await s.apply({ put: [row('a'), row('b', { pending: true, editSeq: 2 })], meta: { cursor: 'c1' } });
      assert.deepEqual(
        (await s.list('products')).map((r) => r.id),
        ['a', 'b'],
      );
      assert.deepEqual(
        (await s.pending()).map((r) => r.id),
        ['b'],
      );
      assert.equal(await s.meta('cursor'), 'c1');
      assert.deepEqual(await s.get({ collection: 'products', id: 'a' }), row('a'));
      await s.apply({ meta: { cursor: null } });
      assert.equal(await s.meta('cursor'), null);
    });

    it('leaves quarantined rows out of pending', async () => {
      const s = store();
      await s.apply({ put: [row('a', { pending: true, editSeq: 1, issues: [{ path: 'name', message: 'bad' }] })] });
      assert.deepEqual(await s.pending(), []);
    });

    it('never overwrites or removes a row edited after the version a batch was based on', async () => {
      const s = store();
      await s.apply({
        put: [row('a', { pending: true, editSeq: 5, record: { id: 'a', updatedAt: 9, name: 'local edit' } })],
      });
      await s.apply({ put: [row('a', { editSeq: 4, record: { id: 'a', updatedAt: 2, name: 'server' } })] });
      assert.equal((await s.get({ collection: 'products', id: 'a' }))?.record.name, 'local edit');
      await s.apply({ remove: [{ collection: 'products', id: 'a', ifEditSeqAtMost: 4 }] });
      assert.ok(await s.get({ collection: 'products', id: 'a' }));
      await s.apply({ remove: [{ collection: 'products', id: 'a' }] }); // a pulled tombstone removes whatever is there
      assert.equal(await s.get({ collection: 'products', id: 'a' }), undefined);
    });

    it('sweeps clean rows a snapshot did not mark, keeping pending and quarantined ones', async () => {
      const s = store();
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
      assert.deepEqual((await s.list()).map((r) => r.id).sort(), ['kept', 'pending', 'quarantined']);
    });
  });
}
