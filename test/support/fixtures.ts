// A valid record, and a rep's edit, of every collection: the one place a test
// gets them for any collection. Keyed by the registry, so a collection added
// there makes `tsc` point here — the only thing it asks for besides its
// registration, since realistic data is a test's own business.
import type { LocalRow, WireRecord } from '../../client/local-store.ts';
import { contentHash } from '../../protocol/content-hash.ts';
import type { CollectionName, RecordInput } from '../../protocol/records.ts';

export const sampleRecord: { [C in CollectionName]: (id: string) => RecordInput<C> } = {
  products: (id) => ({ name: `Product ${id}`, sku: `SKU-${id}`, priceCents: 1000, currency: 'EUR' }),
  customers: (id) => ({ name: `Customer ${id}` }),
  orders: () => ({
    customerId: 'c-1',
    status: 'draft',
    currency: 'EUR',
    lines: [{ productId: 'p-1', quantity: 1, unitPriceCents: 100 }],
  }),
};

export const sampleEdit: { [C in CollectionName]: Partial<RecordInput<C>> } = {
  products: { name: 'Edited on the iPad' },
  customers: { name: 'Edited on the iPad' },
  orders: { notes: 'edited on the iPad' },
};

/** The text field of each collection a test writes a marker into, to tell versions apart. */
export const markerField = { products: 'name', customers: 'name', orders: 'notes' } as const satisfies Record<
  CollectionName,
  string
>;

/** A valid record of each collection carrying `marker` in its marker field. */
export const markedRecord: { [C in CollectionName]: (id: string, marker: string) => RecordInput<C> } = {
  products: (id, marker) => ({ ...sampleRecord.products(id), name: marker }),
  customers: (id, marker) => ({ ...sampleRecord.customers(id), name: marker }),
  orders: (id, marker) => ({ ...sampleRecord.orders(id), notes: marker }),
};

/** The marker a record carries (null: none, e.g. a deletion). */
export function markerOf(collection: CollectionName, record: object | null | undefined): string | null {
  const value =
    record === null || record === undefined ? undefined : (record as Record<string, unknown>)[markerField[collection]];
  return typeof value === 'string' ? value : null;
}

/** A clean local row of `record`, the backend holding it as is (at its `updatedAt`, with its content hash); `over` changes what a test needs. */
export function cleanRow(collection: string, record: WireRecord, over: Partial<LocalRow> = {}): LocalRow {
  return {
    collection,
    id: record.id,
    record,
    pending: false,
    editSeq: 0,
    issues: null,
    mark: null,
    base: null,
    backend: { updatedAt: record.updatedAt, contentHash: contentHash(record) },
    lost: false,
    ...over,
  };
}
