// The docs name what the registries hold, no more and no less: a collection
// registered in protocol/collections.ts (or a field added to one) shows up
// in docs/protocol.md's Records table and the README's list, or this fails.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { SyncClient, SyncClientOptions, SyncErrorKind, SyncState } from '../../client/index.ts';
import * as sdk from '../../client/index.ts';
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

// The SDK's README is its reference: a public method, option, state field,
// error kind or export added to the client shows up in its tables, or this
// fails — the compiler names the list to extend (`satisfies Record<…>`).
describe("client/README.md's API tables follow the client", () => {
  const readme = read('client/README.md');
  const rowsNaming = (name: string) =>
    readme.split('\n').filter((l) => l.startsWith('|') && new RegExp(`\`[^\`]*\\b${name}\\b[^\`]*\``).test(l));

  const members = {
    save: 0,
    remove: 0,
    get: 0,
    list: 0,
    loginPush: 0,
    syncNow: 0,
    status: 0,
    verify: 0,
    repair: 0,
    getState: 0,
    subscribe: 0,
    refresh: 0,
    onChange: 0,
    discardedEdits: 0,
    restore: 0,
    dismiss: 0,
    rejected: 0,
    reset: 0,
  } satisfies Record<keyof SyncClient, 0>;
  const options = {
    baseUrl: 0,
    deviceId: 0,
    token: 0,
    store: 0,
    accountId: 0,
    userId: 0,
    now: 0,
    newId: 0,
    fetch: 0,
    compress: 0,
    retry: 0,
    timeoutMs: 0,
    pageSize: 0,
    maxRecordsPerPush: 0,
    verify: 0,
    collections: 0,
  } satisfies Record<keyof SyncClientOptions, 0>;
  const state = {
    phase: 0,
    progress: 0,
    lastSyncAt: 0,
    lastPushAt: 0,
    unsent: 0,
    discarded: 0,
    lastVerifiedAt: 0,
    verifyProgress: 0,
    lastError: 0,
  } satisfies Record<keyof SyncState, 0>;
  const kinds = {
    offline: 0,
    timeout: 0,
    cancelled: 0,
    busy: 0,
    auth: 0,
    api: 0,
    'unexpected-response': 0,
    'invalid-record': 0,
    'no-such-discarded-edit': 0,
    'store-owned-by-another': 0,
    'store-unavailable': 0,
    configuration: 0,
  } satisfies Record<SyncErrorKind, 0>;

  it.each([
    ['SyncClient member', Object.keys(members)],
    ['option', Object.keys(options)],
    ['state field', Object.keys(state)],
    ['export', Object.keys(sdk)],
  ])('every public %s has its row', (_, names) => {
    expect(names.filter((name) => rowsNaming(name).length === 0)).toStrictEqual([]);
  });

  it('every error kind has its row, with its class and what an app might say', () => {
    for (const kind of Object.keys(kinds)) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${kind}\``));
      expect(row, kind).toBeDefined();
      const cells = row!.split('|').map((c) => c.trim());
      expect(cells[2], `${kind}'s class`).toMatch(/^`\w+Error`$/);
      expect(cells[4], `what an app might say for ${kind}`).not.toBe('');
    }
    expect(readme.split('\n').filter((l) => /^\| `[a-z-]+` +\| `\w+Error`/.test(l))).toHaveLength(
      Object.keys(kinds).length,
    );
  });
});
