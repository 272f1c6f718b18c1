// Forward compatibility (protocol §3), against the real local server: an
// app built before the backend added a field — here a SyncClient given the
// registry as it was without products.stockOnHand and customers'
// address.region — keeps the field it does not know, sends it back with its
// edits (from its own form, which holds only the fields it knows, or from a
// record it read and spread), validates only the fields it knows, still
// catches a typo, and verifies in sync with a backend whose content it
// cannot read. An app that knows the field replaces it like any other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidRecordError, type Registry } from '../../client/index.ts';
import { collections } from '../../protocol/collections.ts';
import { type Stack, startStack } from '../support/local-stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** The registry an older app was built with: the backend has since added products.stockOnHand and address.region. */
const olderApp: Registry = {
  ...collections,
  products: { fields: collections.products.fields.omit({ stockOnHand: true }) },
  customers: {
    fields: collections.customers.fields.extend({
      address: collections.customers.fields.shape.address.unwrap().omit({ region: true }).optional(),
    }),
  },
};

/** What the older app's product form holds: the fields it knows. */
const productForm = (name: string, priceCents: number) => ({ name, sku: 'EM-1', priceCents, currency: 'EUR' });

describe('an app older than the backend', () => {
  it('edits, from its form, a product the web wrote with a field it does not know: the backend keeps the field', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account, 'web-admin');
    await web.put('products', 'p1', { ...productForm('Espresso machine', 49_900), stockOnHand: 12 });
    const old = await stack.device(account, 'ipad-old', { collections: olderApp });
    await old.syncNow();
    expect(await old.get('products', 'p1'), 'kept, though unknown').toMatchObject({ stockOnHand: 12 });

    await old.save('products', { id: 'p1', ...productForm('Espresso machine (show price)', 44_900) });
    expect(await old.get('products', 'p1'), 'carried over into the edit').toMatchObject({ stockOnHand: 12 });
    expect((await old.loginPush()).results).toMatchObject([{ id: 'p1', status: 'updated' }]);
    expect((await web.get('products', 'p1')).body.record).toMatchObject({
      name: 'Espresso machine (show price)',
      priceCents: 44_900,
      stockOnHand: 12,
    });

    // The web changes the field; the old app's next edit, from a record it read before, keeps the web's value.
    const read = (await old.get('products', 'p1'))!;
    await web.put('products', 'p1', { ...productForm('Espresso machine (show price)', 44_900), stockOnHand: 7 });
    await old.syncNow();
    await old.save('products', { ...read, name: 'Espresso machine (demo unit)' });
    await old.syncNow();
    expect((await web.get('products', 'p1')).body.record).toMatchObject({
      name: 'Espresso machine (demo unit)',
      stockOnHand: 7,
    });
    // Its view of the backend, content hashes included, is the backend's: it verifies in sync.
    expect((await old.verify()).matched).toBe(true);
  });

  it('carries a nested field it does not know (a customer address region) over an address edited from its form', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account, 'web-admin');
    const address = { line1: 'Hafenstraße 1', city: 'Hamburg', country: 'DE' };
    await web.put('customers', 'c1', { name: 'Roastery Nord', address: { ...address, region: 'HH' } });
    const old = await stack.device(account, 'ipad-old', { collections: olderApp });
    await old.syncNow();
    await old.save('customers', { id: 'c1', name: 'Roastery Nord', address: { ...address, line1: 'Kai 2' } });
    await old.syncNow();
    expect((await web.get('customers', 'c1')).body.record.address).toStrictEqual({
      ...address,
      line1: 'Kai 2',
      region: 'HH',
    });
  });

  it('validates only what it knows, and still refuses a field that neither it nor the stored record knows (a typo)', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account, 'web-admin');
    await web.put('products', 'p1', { ...productForm('Grinder', 17_900), stockOnHand: 3 });
    const old = await stack.device(account, 'ipad-old', { collections: olderApp });
    await old.syncNow();
    const read = (await old.get('products', 'p1'))!;
    await expect(old.save('products', { ...read, priceCents: -1 })).rejects.toMatchObject({
      issues: [{ path: 'priceCents' }],
    });
    const typo = { ...productForm('Grinder', 1), nmae: 'Grinder' };
    const error = await old.save('products', typo).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect(error).toMatchObject({ issues: [{ path: 'nmae', message: 'unknown field' }] });
    // A new record has nothing to carry: a field this build does not know cannot come from anywhere but a typo.
    await expect(old.save('products', { ...productForm('Tamper', 1), stockOnHand: 5 })).rejects.toMatchObject({
      issues: [{ path: 'stockOnHand', message: 'unknown field' }],
    });
  });
});

describe('an app that knows the field', () => {
  it('replaces it like any other known field: a save is the record as given, not a patch', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account, 'web-admin');
    await web.put('products', 'p1', { ...productForm('Grinder', 17_900), stockOnHand: 3 });
    const current = await stack.device(account, 'ipad-new');
    await current.syncNow();
    await current.save('products', { id: 'p1', ...productForm('Grinder', 16_900) });
    await current.syncNow();
    expect((await web.get('products', 'p1')).body.record).not.toHaveProperty('stockOnHand');
  });
});
