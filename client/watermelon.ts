// The SDK over a WatermelonDB database (`@mobile-sales-sync/client/watermelon`):
// a LocalStore whose live records are rows of the app's Watermelon tables,
// queried and observed as Watermelon does, so SyncClient runs the sync over
// them (login push, Sync Now, verify, repair, discarded edits) with the rules
// of apply.ts — nothing here restates one. What Watermelon's own
// synchronize() would get wrong here, and how this store avoids it:
// - it pulls before it pushes, and marks every local change synced after
//   its push (an edit made meanwhile too): SyncClient pushes with the first
//   page and keeps the edit counter;
// - it keeps only the ids of deleted records, and a pushed tombstone needs
//   its stamp: a pending deletion is destroyed in the table at once (gone
//   from every query) and kept, with its stamp, in the key-value area;
// - its pull timestamp is a number, the cursor an opaque string: the cursor
//   is kept as meta;
// - its columns are flat and nullable: nested members (`tags`, `address`,
//   `lines`) are JSON-string columns, an absent optional member is null, and
//   recordOf() turns a row back into a record (no nulls, which the protocol's
//   schemas refuse). The row as the sync knows it — every member, also those
//   a newer backend added, and its sync state — is its `mssRow` column.
// Rule 7 (a snapshot replaces the clean rows) is the store's sweep, not
// Watermelon's experimental 'replacement' strategy, which also drops rows
// whose edit is pending.
import {
  appSchema,
  type Collection,
  type ColumnSchema,
  type Database,
  Model,
  Q,
  type RawRecord,
  type TableSchema,
  tableSchema,
} from '@nozbe/watermelondb';
import * as z from 'zod';
import { collections } from '../protocol/collections.ts';
import type { WireRecord } from '../protocol/fields.ts';
import { type CollectionName, collectionNames, type RecordOf } from '../protocol/records.ts';
import { FrameworkStore, type FrameworkTables, stateOf } from './framework-store.ts';
import type { LocalRow, RowKey } from './local-store.ts';

/** The sync's own columns: the row as the sync knows it (JSON), and whether it has an edit to push (pending, not set aside as invalid; indexed). */
const ROW = 'mssRow';
const TO_PUSH = 'mssToPush';

type Column = { name: string; type: 'string' | 'number' | 'boolean'; json: boolean };

/** Each synced collection's columns: one per known member (nested ones as JSON strings), and the stamp and writer. */
const columnsOf = (collection: CollectionName): Column[] => [
  { name: 'updatedAt', type: 'number', json: false },
  { name: 'updatedBy', type: 'string', json: true },
  ...Object.entries(collections[collection].fields.shape).map(([name, schema]): Column => {
    const inner = unwrapped(schema as z.ZodType);
    if (inner instanceof z.ZodNumber) return { name, type: 'number', json: false };
    if (inner instanceof z.ZodBoolean) return { name, type: 'boolean', json: false };
    return { name, type: 'string', json: inner instanceof z.ZodObject || inner instanceof z.ZodArray };
  }),
];

/** The tables for the app's appSchema (`appSchema({ version, tables: [...watermelonTables(), ...theAppsOwn] })`). */
export function watermelonTables(): TableSchema[] {
  return collectionNames.map((name) =>
    tableSchema({
      name,
      columns: [
        ...columnsOf(name).map((c): ColumnSchema => ({ name: c.name, type: c.type, isOptional: true })),
        { name: ROW, type: 'string' },
        { name: TO_PUSH, type: 'boolean', isIndexed: true },
      ],
    }),
  );
}

/** A schema of the synced tables alone, for an app (or a test) that has no tables of its own. */
export const watermelonSchema = (version = 1) => appSchema({ version, tables: watermelonTables() });

/** Model classes for the synced tables; an app may extend them with its decorated fields (same `table`). */
export const watermelonModels = Object.fromEntries(
  collectionNames.map((name) => [
    name,
    class extends Model {
      static override table = name;
    },
  ]),
) as { [C in CollectionName]: typeof Model };

/** The record a row shows, from its columns: JSON columns parsed, null columns left out (the protocol has no null). */
export function recordOf<C extends CollectionName>(collection: C, row: Model | Record<string, unknown>): RecordOf<C> {
  const raw = (row instanceof Model ? row._raw : row) as Record<string, unknown>;
  const record: Record<string, unknown> = { id: raw.id };
  for (const { name, json } of columnsOf(collection)) {
    const value = raw[name];
    if (value === null || value === undefined) continue;
    record[name] = json && typeof value === 'string' ? JSON.parse(value) : value;
  }
  return record as RecordOf<C>;
}

/** A LocalStore for SyncClient over `database`, which holds the tables of watermelonTables(). */
export class WatermelonStore extends FrameworkStore {
  constructor(database: Database) {
    super(new WatermelonTables(database));
  }
}

class WatermelonTables implements FrameworkTables {
  readonly collections = collectionNames;

  constructor(private readonly db: Database) {
    for (const name of collectionNames) {
      if (db.schema.tables[name] === undefined)
        throw new Error(`WatermelonStore: the schema has no table ${name} (add watermelonTables())`);
    }
  }

  async read(collection: string, ids: string[]): Promise<LocalRow[]> {
    return (await this.fetch(collection, ids)).map(rowOf);
  }

  async readAll(collection: string, toPush: boolean): Promise<LocalRow[]> {
    const query = toPush ? this.table(collection).query(Q.where(TO_PUSH, true)) : this.table(collection).query();
    return (await query.fetch()).map(rowOf);
  }

  async write(put: LocalRow[], remove: RowKey[], kv: Record<string, string | null>): Promise<void> {
    await this.db.write(async () => {
      // Every row read first: Watermelon wants prepared changes handed to batch() without an await between.
      const held = new Map<string, Map<string, Model>>();
      for (const collection of this.collections) {
        const ids = [...remove, ...put].filter((k) => k.collection === collection).map((k) => k.id);
        held.set(collection, new Map((await this.fetch(collection, ids)).map((m) => [m.id, m])));
      }
      const ops: Model[] = [];
      for (const { collection, id } of remove) {
        const model = held.get(collection)?.get(id);
        if (model !== undefined) ops.push(model.prepareDestroyPermanently());
        held.get(collection)?.delete(id);
      }
      for (const row of put) {
        const table = this.table(row.collection);
        const raw = { ...rawOf(row.collection as CollectionName, row), _changed: '' };
        const model = held.get(row.collection)?.get(row.id);
        if (model === undefined) ops.push(table.prepareCreateFromDirtyRaw(raw));
        else
          ops.push(
            // As Watermelon's own sync replaces a row it pulled (every column is set: nothing to sanitize).
            model.prepareUpdate(() => {
              model._raw = raw as unknown as RawRecord;
            }),
          );
      }
      await this.db.batch(ops);
      for (const [key, value] of Object.entries(kv)) {
        if (value === null) await this.db.localStorage.remove(key);
        else await this.db.localStorage.set(key, value);
      }
    }, 'mobile-sales-sync');
  }

  async kvGet(key: string): Promise<string | null> {
    const value = await this.db.localStorage.get<string>(key);
    return typeof value === 'string' ? value : null;
  }

  private fetch(collection: string, ids: string[]): Promise<Model[]> {
    return ids.length === 0
      ? Promise.resolve([])
      : this.table(collection)
          .query(Q.where('id', Q.oneOf(ids)))
          .fetch();
  }

  private table(collection: string): Collection<Model> {
    return this.db.get<Model>(collection);
  }
}

function rowOf(model: Model): LocalRow {
  return JSON.parse((model._raw as unknown as Record<string, string>)[ROW]!) as LocalRow;
}

/** The columns of a live row: the record's members, flattened; its `_status` as Watermelon's own sync would set it. */
function rawOf(collection: CollectionName, row: LocalRow): Record<string, unknown> {
  const record = row.record as WireRecord & Record<string, unknown>;
  const raw: Record<string, unknown> = {
    id: row.id,
    [ROW]: JSON.stringify({ ...stateOf(row), collection: row.collection, id: row.id, record }),
    [TO_PUSH]: row.pending && row.issues === null,
    _status: row.pending ? (row.backend === null ? 'created' : 'updated') : 'synced',
  };
  for (const { name, json } of columnsOf(collection)) {
    const value = record[name];
    raw[name] = value === undefined || value === null ? null : json ? JSON.stringify(value) : value;
  }
  return raw;
}

/** The schema under `.optional()` and `.nullable()`. */
function unwrapped(schema: z.ZodType): z.ZodType {
  let inner = schema;
  while (inner instanceof z.ZodOptional || inner instanceof z.ZodNullable) inner = inner.unwrap() as z.ZodType;
  return inner;
}
