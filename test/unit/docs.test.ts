// The docs name what the registries hold, no more and no less: a collection
// registered in protocol/collections.ts (or a field added to one) shows up
// in docs/protocol.md's Records table and the README's list, or this fails.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { collections } from '../../protocol/collections.ts';
import { collectionNames } from '../../protocol/records.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

describe('the docs follow the collection registry', () => {
  it("docs/protocol.md's Records table lists every collection with exactly its fields", () => {
    const records = read('docs/protocol.md').split('\n## Records')[1]!.split('\n## ')[0]!;
    const documented: string[] = [];
    let current = '';
    for (const line of records.split('\n')) {
      const cells = line.split('|').map((c) => c.trim());
      if (cells.length < 4 || !/^`\w+`$/.test(cells[2] ?? '')) continue;
      if (/^`\w+`$/.test(cells[1] ?? '')) current = cells[1]!.slice(1, -1);
      if (current !== '') documented.push(`${current}.${cells[2]!.slice(1, -1)}`);
    }
    const registered = collectionNames.flatMap((c) => Object.keys(collections[c].fields.shape).map((f) => `${c}.${f}`));
    expect(documented).toStrictEqual(registered);
  });

  it("the README's list of collections is the registry's", () => {
    const line = read('README.md')
      .split('\n')
      .find((l) => l.startsWith('Collections:'));
    expect([...(line ?? '').matchAll(/`(\w+)`/g)].map((m) => m[1])).toStrictEqual(collectionNames);
  });
});
