// The seed-rule property as one description, run against the real local
// server for every client we ship: the SDK on its own store, and the RxDB
// and WatermelonDB adapters (test/integration/seed-rule-clients.test.ts).
// A history: two replicas of one account, their clocks 3 h slow and 26 h
// fast, offline edits and deletes in every collection (nested members
// included), edits made while a Sync Now runs, login pushes, Sync Nows, web
// puts and deletes, and requests duplicated, lost after the server answered
// or failing before they left. Then a quiet Sync Now on each replica, twice,
// and the same checks for every client:
//   1. every rep's last edit of a record reached the backend, or lost to a
//      version at least as new (skew corrected) or to a deletion — and then
//      that very version is among the replica's discarded edits;
//   2. every discarded edit is a version the replica made that never reached
//      the backend;
//   3. a login push never changes what the replica shows (read through its
//      framework, as the app reads it);
//   4. the web's last write of a record is beaten only by a later edit or a
//      deletion (no echo of an older version reverts it);
//   5. the replicas show exactly the backend's live records, field for
//      field, have nothing unsent and nothing the backend refused, and
//      verify in sync (digest v2).
import { fc } from '@fast-check/vitest';
import { expect } from 'vitest';
import type { Fetch, SyncClient, SyncClientOptions, WireRecord } from '../../client/index.ts';
import { signLocalToken } from '../../dev/local-token.ts';
import { type CollectionName, collectionNames, type RecordInput } from '../../protocol/records.ts';
import { markedRecord, markerOf } from './fixtures.ts';
import { type Stack, TEST_JWT_SECRET } from './local-stack.ts';
import { attempt, type Fault, faultyNetwork, webRequest } from './wire.ts';

const HOUR = 3_600_000;
const IDS = ['a', 'b'];
/** The replicas' clocks: one 3 h slow, one 26 h fast. */
export const SKEWS = [-3 * HOUR, 26 * HOUR] as const;

/** A client under test: a SyncClient over its store, and what its app shows, read as the app reads it. */
export type Replica = {
  client: SyncClient;
  /** The live records of a collection as the app shows them (through the framework's own queries). */
  shown(collection: CollectionName): Promise<WireRecord[]>;
  close(): Promise<void>;
};

/** How a kind of client opens a replica, given everything but its store. */
export type OpenReplica = (options: Omit<SyncClientOptions, 'store'>) => Promise<Replica>;

type Target = { collection: CollectionName; id: string };
type Action =
  | ({ kind: 'edit' | 'delete'; device: number } & Target)
  | ({ kind: 'editDuringSync'; device: number; webFirst: boolean } & Target)
  | { kind: 'loginPush' | 'syncNow'; device: number }
  | ({ kind: 'webPut' | 'webDelete' } & Target)
  | { kind: 'tick'; ms: number };

const device = fc.integer({ min: 0, max: 1 });
const target = { collection: fc.constantFrom(...collectionNames), id: fc.constantFrom(...IDS) };
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('edit' as const), device, ...target }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('delete' as const), device, ...target }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('editDuringSync' as const), device, webFirst: fc.boolean(), ...target }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('loginPush' as const), device }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('syncNow' as const), device }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('webPut' as const), ...target }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('webDelete' as const), ...target }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 2 * HOUR }) }),
  },
);

export type History = { faults: Fault[]; actions: Action[] };

export const histories = (maxSteps: number): fc.Arbitrary<History> =>
  fc.record({
    faults: fc.array(fc.constantFrom<Fault>('none', 'none', 'none', 'duplicate', 'lostResponse', 'failBeforeSending'), {
      minLength: 1,
      maxLength: 20,
    }),
    actions: fc.array(action, { minLength: 1, maxLength: maxSteps }),
  });

/** A record of every collection carrying `marker`, with nested members (a framework keeps those as JSON). */
const recordFor: { [C in CollectionName]: (id: string, marker: string) => RecordInput<C> } = {
  products: (id, marker) => ({ ...markedRecord.products(id, marker), tags: ['demo', marker], stockOnHand: 3 }),
  customers: (id, marker) => ({
    ...markedRecord.customers(id, marker),
    address: { line1: `${marker} Street 1`, city: 'Hamburg', country: 'DE' },
  }),
  orders: (id, marker) => markedRecord.orders(id, marker),
};

/** A rep's edit of a record: its marker (null: a deletion), and the earliest server time it can count as. */
export type Edit = {
  device: number;
  collection: CollectionName;
  id: string;
  marker: string | null;
  effectiveAtLeast: number;
};

/** The server's clock, which the stack was started with: each history moves it on. */
export type Clock = { now: number };

/** Runs one history with two replicas of `open`'s kind against `stack`, and checks it. */
export async function runHistory(stack: Stack, clock: Clock, open: OpenReplica, { faults, actions }: History) {
  clock.now += 30 * 24 * HOUR; // each history on fresh time
  const account = stack.newAccount();
  const accepted = new Set<string>(); // versions the backend accepted: `${collection}/${marker}`
  let names = 0;
  const network = faultyNetwork(faults, (collection, version, status) => {
    if (['created', 'updated', 'unchanged'].includes(status))
      accepted.add(`${collection}/${markerOf(collection as CollectionName, version)}`);
  });

  const edits: Edit[] = [];
  const webLast = new Map<string, { marker: string; at: number }>(); // `${collection}/${id}` → the web's last put
  const midSync = new Map<number, Target>(); // device → record to edit while its Sync Now runs
  const replicas: Replica[] = [];
  try {
    for (const [d, skew] of SKEWS.entries()) {
      const bearer = await signLocalToken(TEST_JWT_SECRET, account, `rep-${d}`);
      const base = network.device();
      // An edit while a Sync Now is in flight: after its first page (the one answering its push) came back,
      // before the client applies it.
      const fetchWithEdits: Fetch = async (url, init) => {
        const response = await base(url, init);
        const target = midSync.get(d);
        if (target !== undefined && url.endsWith('/v1/sync/now')) {
          midSync.delete(d);
          await edit(d, target);
        }
        return response;
      };
      replicas.push(
        await open({
          baseUrl: stack.api.url,
          deviceId: `device-${d}`,
          token: bearer,
          now: () => clock.now + skew,
          fetch: fetchWithEdits,
          retry: { sleep: async () => {}, attempts: 4 },
          pageSize: 2,
        }),
      );
    }
    const edit = async (d: number, { collection, id }: Target, deleted = false) => {
      const { client } = replicas[d]!;
      const marker = `d${d}-${++names}`;
      if (deleted) {
        if (!(await client.remove(collection, id))) return; // nothing here to delete
      } else await client.save(collection, { ...recordFor[collection](id, marker), id });
      edits.push({ device: d, collection, id, marker: deleted ? null : marker, effectiveAtLeast: clock.now });
    };
    const webToken = await signLocalToken(TEST_JWT_SECRET, account, 'web-admin');
    const web = (method: string, path: string, body?: unknown) =>
      fetch(stack.api.url + path, webRequest(method, webToken, body));
    const webPut = async ({ collection, id }: Target) => {
      const marker = `web-${++names}`;
      const response = await web('PUT', `/v1/records/${collection}/${id}`, recordFor[collection](id, marker));
      if (response.ok) webLast.set(`${collection}/${id}`, { marker, at: clock.now });
    };
    const shown = async (replica: Replica) =>
      JSON.stringify(await Promise.all(collectionNames.map((c) => replica.shown(c))));

    for (const a of actions) {
      switch (a.kind) {
        case 'tick':
          clock.now += a.ms;
          break;
        case 'edit':
        case 'delete':
          await edit(a.device, a, a.kind === 'delete');
          break;
        case 'editDuringSync': {
          // The record has an edit this Sync Now pushes (beaten first by a newer web version, or not), and the
          // rep edits it again while the Sync Now runs.
          await edit(a.device, a);
          if (a.webFirst) {
            clock.now += 1000;
            await webPut(a);
          }
          midSync.set(a.device, a);
          await attempt(() => replicas[a.device]!.client.syncNow());
          midSync.delete(a.device);
          break;
        }
        case 'syncNow':
          await attempt(() => replicas[a.device]!.client.syncNow());
          break;
        case 'loginPush': {
          const replica = replicas[a.device]!;
          const before = await shown(replica);
          await attempt(() => replica.client.loginPush());
          expect(await shown(replica), 'a login push changes nothing the replica shows').toBe(before);
          break;
        }
        case 'webPut':
          await webPut(a);
          break;
        case 'webDelete':
          await web('DELETE', `/v1/records/${a.collection}/${a.id}`);
          break;
      }
      clock.now += 1;
    }

    // Quiet: no faults, every replica pushes what is pending and pulls everything.
    network.on = false;
    clock.now += 1000;
    for (const { client } of replicas) await client.syncNow();
    for (const { client } of replicas) await client.syncNow();

    const backend = async (collection: CollectionName) => {
      const listed = (await (await web('GET', `/v1/records/${collection}?limit=1000`)).json()) as {
        records: WireRecord[];
      };
      return listed.records.map(({ updatedBy: _by, ...record }) => record);
    };
    for (const [collection, records] of await Promise.all(
      collectionNames.map(async (c) => [c, await backend(c)] as const),
    )) {
      for (const record of records) {
        const last = webLast.get(`${collection}/${record.id}`);
        const marker = markerOf(collection, record);
        if (last === undefined || marker === last.marker) continue;
        const winner = edits.find((e) => e.collection === collection && e.marker === marker);
        expect(
          winner !== undefined && winner.effectiveAtLeast > last.at,
          `the web's last write of ${collection}/${record.id} (${last.marker}) is beaten only by a later edit, not by ${marker}`,
        ).toBe(true);
      }
    }
    for (const [d, { client }] of replicas.entries()) {
      await expectLostEditsKept(
        `replica ${d}`,
        client,
        edits.filter((e) => e.device === d),
        accepted,
        async (collection, id) => (await web('GET', `/v1/records/${collection}/${id}`)).json(),
      );
      for (const collection of collectionNames) {
        const held = (await replicas[d]!.shown(collection)).map(({ updatedBy: _by, ...record }) => record);
        expect(held, `replica ${d} shows the backend's ${collection}`).toStrictEqual(await backend(collection));
      }
      expect(client.getState().unsent, `replica ${d} has nothing left to send`).toStrictEqual({});
      // Every edit a history makes is valid: a version the backend refused was mangled on the way.
      expect(await client.rejected(), `replica ${d} has nothing the backend refused`).toStrictEqual([]);
      expect((await client.verify()).matched, `replica ${d} verifies in sync`).toBe(true);
    }
  } finally {
    await Promise.all(replicas.map((r) => r.close()));
  }
}

/** What the backend answers for one record: the record (a tombstone too), or an error (`GONE`). */
type BackendAnswer = { record?: WireRecord; error?: { code: string } };

/**
 * Checks 1 and 2 for one device, `mine` its edits in order: its last edit of
 * each record reached the backend (`accepted`: `${collection}/${marker}`),
 * was let go by the rep (`letGo`), or lost — to a deletion, or to a version
 * at least as new — and is then that very version among its discarded
 * edits; and each discarded edit is a version it made that never reached
 * the backend.
 */
export async function expectLostEditsKept(
  who: string,
  client: SyncClient,
  mine: Edit[],
  accepted: Set<string>,
  backendHas: (collection: CollectionName, id: string) => Promise<BackendAnswer>,
  letGo: (last: Edit) => boolean = () => false,
): Promise<void> {
  const lost = await client.discardedEdits();
  for (const { collection, id } of new Map(mine.map((e) => [`${e.collection}/${e.id}`, e])).values()) {
    const last = mine.filter((e) => e.collection === collection && e.id === id).at(-1)!;
    const what = `${who}'s last edit of ${collection}/${id} (${last.marker ?? 'a delete'})`;
    if (last.marker !== null && accepted.has(`${collection}/${last.marker}`)) continue; // it reached the backend
    if (letGo(last)) continue;
    const held = await backendHas(collection, id);
    if (last.marker === null && (held.record?.deleted === true || held.error?.code === 'GONE')) continue;
    const kept = lost.find(
      (l) => l.collection === collection && l.id === id && markerOf(collection, l.local) === last.marker,
    );
    expect(kept, `${what} lost without a trace`).toBeDefined();
    if (kept?.reason === 'stale') {
      expect(kept.winner.updatedAt, `${what} lost to an older version`).toBeGreaterThanOrEqual(last.effectiveAtLeast);
    }
  }
  for (const l of lost) {
    const marker = markerOf(l.collection, l.local);
    const what = `${who}'s discarded edit of ${l.collection}/${l.id} (${marker ?? 'a delete'})`;
    expect(
      mine.some((e) => e.collection === l.collection && e.marker === marker),
      `${what} is a version it made`,
    ).toBe(true);
    if (marker !== null) expect(accepted.has(`${l.collection}/${marker}`), `${what} is no phantom`).toBe(false);
  }
}
