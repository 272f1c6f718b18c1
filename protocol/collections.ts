// The synced collections, registered once (docs/protocol.md, "Records").
// Adding a collection is one schema of fields here and one entry in
// `collections`: the server's handlers, the store, cursors, the OpenAPI
// document, the SDK's typed API and the reference app's screens all follow
// from this registry, and `tsc` names every other place that must change.
// A field's `.meta({ title })` is its label in the app's forms and the
// OpenAPI document. No Node APIs: the client imports this too.
import * as z from 'zod';
import { defineCollection, recordId } from './fields.ts';

const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR');
const cents = z.number().int().min(0).max(1e12);
const notes = z.string().max(5000);

const product = z.object({
  name: z.string().min(1).max(200).meta({ title: 'Name' }),
  sku: z.string().min(1).max(64).meta({ title: 'SKU' }),
  priceCents: cents.meta({ title: 'Price (cents)' }),
  currency,
  stockOnHand: z.number().int().min(-1e12).max(1e12).optional(),
  description: z.string().max(5000).optional(),
  tags: z.array(z.string().min(1).max(50)).max(50).optional(),
});

const customer = z.object({
  name: z.string().min(1).max(200).meta({ title: 'Name' }),
  email: z.email().optional().meta({ title: 'Email' }),
  phone: z.string().max(40).optional(),
  address: z
    .strictObject({
      line1: z.string().min(1).max(200),
      line2: z.string().max(200).optional(),
      city: z.string().min(1).max(100),
      region: z.string().max(100).optional(),
      postalCode: z.string().max(20).optional(),
      country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 code such as DE'),
    })
    .optional(),
  notes: notes.optional(),
});

const order = z.object({
  customerId: recordId.meta({ title: 'Customer id' }),
  status: z.enum(['draft', 'submitted', 'fulfilled', 'cancelled']),
  currency,
  lines: z
    .array(
      z.strictObject({
        productId: recordId.meta({ title: 'Product id' }),
        quantity: z.number().int().min(1).max(1e6).meta({ title: 'Quantity' }),
        unitPriceCents: cents,
      }),
    )
    .min(1)
    .max(500),
  notes: notes.optional(),
});

/**
 * The registry. Its keys are the collections' names on the wire and in
 * cursors (never their position here): keep a name once it has shipped.
 * The order is the order a Sync Now reads them in.
 */
export const collections = {
  products: defineCollection({
    fields: product,
    singular: 'product',
    title: 'name',
    form: ['name', 'sku', 'priceCents'],
    defaults: { currency: 'EUR' },
  }),
  customers: defineCollection({
    fields: customer,
    singular: 'customer',
    title: 'name',
    form: ['name', 'email'],
    defaults: {},
  }),
  orders: defineCollection({
    fields: order,
    singular: 'order',
    title: 'customerId',
    form: ['customerId', 'lines.0.productId', 'lines.0.quantity'],
    defaults: { status: 'draft', currency: 'EUR', lines: [{ productId: '', quantity: 1, unitPriceCents: 0 }] },
  }),
} as const;
