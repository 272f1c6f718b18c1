// A valid record, and a rep's edit, of every collection: the one place a test
// gets them for any collection. Keyed by the registry, so a collection added
// there makes `tsc` point here — the only thing it asks for besides its
// registration, since realistic data is a test's own business.
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
