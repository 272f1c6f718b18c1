// Catalogue entries as a rep's app holds them: about 1 KB of varied text
// (faker's commerce fields, fixed seed), never one repeated sentence, so that
// item sizes and compression ratios are what real data gives.
import { faker } from '@faker-js/faker';

const POOL_SIZE = 10_000;
let pool: {
  name: string;
  sku: string;
  priceCents: number;
  stockOnHand: number;
  tags: string[];
  description: string;
}[] = [];

function fill(): void {
  faker.seed(20_261_126);
  pool = Array.from({ length: POOL_SIZE }, () => {
    let description = faker.commerce.productDescription();
    while (description.length < 550) description += ` ${faker.commerce.productDescription()}`;
    return {
      name: faker.commerce.productName(),
      sku: faker.string.alphanumeric({ length: 10, casing: 'upper' }),
      priceCents: faker.number.int({ min: 199, max: 199_999 }),
      stockOnHand: faker.number.int({ min: 0, max: 500 }),
      tags: [faker.commerce.department(), faker.commerce.productMaterial(), faker.commerce.productAdjective()],
      description: description.slice(0, 740),
    };
  });
}

/** The `i`th catalogue entry (10,000 distinct ones, then again), as a device or the web writes it. */
export function catalogueFields(i: number, name?: string) {
  if (pool.length === 0) fill();
  const entry = pool[i % POOL_SIZE]!;
  return { ...entry, name: name ?? entry.name, currency: 'EUR' };
}

/** The entry with an id and a version: a synced record. */
export function catalogueProduct(id: string, i: number, updatedAt: number, name?: string) {
  return { id, updatedAt, ...catalogueFields(i, name) };
}
