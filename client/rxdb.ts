// The SDK over an RxDB database (`@mobile-sales-sync/client/rxdb`): a
// LocalStore whose live records are the documents of the app's RxDB
// collections, queried and observed as RxDB does, with each document's sync
// state in its `mss` member; SyncClient runs the sync over it (login push,
// Sync Now, verify, repair, discarded edits), so the rules are apply.ts's and
// nothing here restates one. RxDB's replication plugin is not used: it
// decides conflicts on the device (an assumed master state per document, a
// conflict handler that must name the winner) and pulls per collection until
// a short page, where this protocol decides on the server, answers `stale`
// or `deleted` without the winner, spans every collection with one cursor
// and may answer a short or empty page with more to come.
import type { RxCollection, RxDatabase, RxDocument, RxJsonSchema } from 'rxdb';
import * as z from 'zod';
import { collections } from '../protocol/collections.ts';
import type { WireRecord } from '../protocol/fields.ts';
import { type CollectionName, collectionNames, type RecordOf } from '../protocol/records.ts';
import { FrameworkStore, type FrameworkTables, rowOf, type SyncState, stateOf } from './framework-store.ts';
import type { LocalRow, RowKey } from './local-store.ts';

/** A document of a synced collection: the record as the backend holds it (or the rep's edit), and its sync state. */
export type RxdbDoc<C extends CollectionName = CollectionName> = RecordOf<C> & { mss: SyncState };
type KvDoc = { key: string; value: string };

/** The collection that holds the sync's cursor, owner and discarded edits. */
export const RXDB_SYNC_COLLECTION = 'mss_kv';

/** The collections rxdbCollections() adds, typed: the app's database is `RxDatabase<RxdbSyncCollections & TheAppsOwn>`. */
export type RxdbSyncCollections = { [C in CollectionName]: RxCollection<RxdbDoc<C>> } & {
  [RXDB_SYNC_COLLECTION]: RxCollection<KvDoc>;
};

/**
 * The collections to add to the app's database (`db.addCollections(rxdbCollections())`):
 * one per synced collection, its schema derived from the protocol's, and the
 * sync's own. Records keep fields a newer backend sends (protocol §3), so the
 * schemas name the known ones and leave the rest open.
 */
export function rxdbCollections(): { [C in CollectionName]: { schema: RxJsonSchema<RxdbDoc<C>> } } & {
  [RXDB_SYNC_COLLECTION]: { schema: RxJsonSchema<KvDoc> };
} {
  const schemaOf = (collection: CollectionName) => {
    const { properties = {}, required = [] } = z.toJSONSchema(collections[collection].fields, { io: 'input' }) as {
      properties?: Record<string, unknown>;
      required?: string[];
    };
    return {
      version: 0,
      primaryKey: 'id',
      type: 'object',
      properties: {
        id: { type: 'string', maxLength: 128 },
        updatedAt: { type: 'number' },
        updatedBy: { type: ['object', 'null'] },
        ...properties,
        mss: { type: 'object' },
      },
      required: ['id', 'updatedAt', 'mss', ...required],
    } as unknown as RxJsonSchema<RxdbDoc<typeof collection>>;
  };
  const kv: RxJsonSchema<KvDoc> = {
    version: 0,
    primaryKey: 'key',
    type: 'object',
    properties: { key: { type: 'string', maxLength: 512 }, value: { type: 'string' } },
    required: ['key', 'value'],
  };
  return Object.fromEntries([
    ...collectionNames.map((name) => [name, { schema: schemaOf(name) }]),
    [RXDB_SYNC_COLLECTION, { schema: kv }],
  ]) as ReturnType<typeof rxdbCollections>;
}

/** The record a document holds, without its sync state: what the app shows, and what it edits from. */
export function recordOf<C extends CollectionName>(doc: RxDocument<RxdbDoc<C>> | RxdbDoc<C>): RecordOf<C> {
  const { mss: _state, ...record } = (isRxDocument(doc) ? doc.toJSON() : doc) as RxdbDoc<C>;
  return record as unknown as RecordOf<C>;
}

/** What the store needs of the app's database (any RxDatabase whose collections include rxdbCollections()'s). */
export type RxdbWithSync = Pick<RxDatabase, 'collections'>;

/** A LocalStore for SyncClient over `db`, which holds the collections of rxdbCollections(). */
export class RxdbStore extends FrameworkStore {
  constructor(db: RxdbWithSync) {
    super(new RxdbTables(db));
  }
}

class RxdbTables implements FrameworkTables {
  readonly collections = collectionNames;

  constructor(private readonly db: RxdbWithSync) {
    for (const name of [...collectionNames, RXDB_SYNC_COLLECTION]) {
      if (db.collections[name] === undefined)
        throw new Error(`RxdbStore: the database has no collection ${name} (add rxdbCollections())`);
    }
  }

  async read(collection: string, ids: string[]): Promise<LocalRow[]> {
    const found = await this.table(collection).findByIds(ids).exec();
    return [...found.values()].map((doc) => rowFromDoc(collection, doc.toMutableJSON()));
  }

  async readAll(collection: string, toPush: boolean): Promise<LocalRow[]> {
    const docs = await this.table(collection)
      .find(toPush ? { selector: { 'mss.pending': true, 'mss.issues': null } } : {})
      .exec();
    return docs.map((doc) => rowFromDoc(collection, doc.toMutableJSON()));
  }

  async write(put: LocalRow[], remove: RowKey[], kv: Record<string, string | null>): Promise<void> {
    // RxDB writes per collection: rows first, the cursor and the rest after them, so an interrupted batch is
    // delivered again rather than skipped.
    for (const collection of this.collections) {
      const removed = remove.filter((k) => k.collection === collection).map((k) => k.id);
      if (removed.length > 0) await this.table(collection).bulkRemove(removed);
      const docs = put.filter((r) => r.collection === collection).map(docFromRow);
      if (docs.length > 0) await this.table(collection).bulkUpsert(docs);
    }
    const entries = Object.entries(kv);
    const gone = entries.filter(([, v]) => v === null).map(([k]) => k);
    const set = entries.flatMap(([key, value]) => (value === null ? [] : [{ key, value }]));
    if (gone.length > 0) await this.kv().bulkRemove(gone);
    if (set.length > 0) await this.kv().bulkUpsert(set);
  }

  async kvGet(key: string): Promise<string | null> {
    return (await this.kv().findOne(key).exec())?.value ?? null;
  }

  private table(collection: string): RxCollection<WireRecord & { mss: SyncState }> {
    return this.db.collections[collection] as RxCollection<WireRecord & { mss: SyncState }>;
  }

  private kv(): RxCollection<KvDoc> {
    return this.db.collections[RXDB_SYNC_COLLECTION] as RxCollection<KvDoc>;
  }
}

function rowFromDoc(collection: string, doc: WireRecord & { mss?: SyncState }): LocalRow {
  const { mss, ...record } = doc;
  if (mss === undefined)
    throw new Error(`RxdbStore: ${collection} ${doc.id} was written without sync (use SyncClient.save)`);
  return rowOf(collection, record, mss);
}

function docFromRow(row: LocalRow): WireRecord & { mss: SyncState } {
  return { ...row.record, mss: stateOf(row) };
}

function isRxDocument<T>(doc: RxDocument<T> | T): doc is RxDocument<T> {
  return typeof (doc as { toJSON?: unknown }).toJSON === 'function';
}
