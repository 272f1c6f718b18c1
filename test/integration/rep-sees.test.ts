// What the rep sees, as a property (fast-check, seeded and replayable):
// random histories of two devices — clocks hours off, each on one of the
// stores the SDK ships (memory, SQLite, IndexedDB, expo-sqlite-shaped) — and the web: edits, deletes, edits
// made while a Sync Now is running, login pushes, Sync Nows, web puts and
// deletes, and requests duplicated, lost after the server answered or failing
// before they left. Then a quiet Sync Now on every device, and:
//   1. every rep's last edit of a record either reached the backend, or lost
//      to a version at least as new (skew corrected) or to a deletion — and
//      every one that lost is in that device's discarded edits;
//   2. a login push never changes what the device shows.
// Two bugs this was shown to catch (planted, then reverted): a client that
// lets a page overwrite an edit made during the Sync Now, and a server that
// never lets a device overwrite another writer's version.
// FC_SEED=<n> FC_PATH=<p> replay a failure as fast-check prints it; FC_RUNS
// sets the number of histories (npm run test:soak).
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, expect } from 'vitest';
import { type Fetch, SyncClient, type WireRecord } from '../../client/index.ts';
import { signLocalToken } from '../../dev/local-token.ts';
import { type Stack, startStack, TEST_JWT_SECRET } from '../support/local-stack.ts';
import { propertyParams } from '../support/property.ts';
import { openStore, STORES } from '../support/stores.ts';
import { type SentRequest, sentJson } from '../support/wire.ts';

const HOUR = 3_600_000;
const IDS = ['a', 'b'];

let serverClock = 1_800_000_000_000;
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ now: () => serverClock });
});
afterAll(async () => {
  await stack?.stop();
});

type Fault = 'none' | 'duplicate' | 'lostResponse' | 'failBeforeSending';
type Action =
  | { kind: 'edit' | 'delete' | 'editDuringSync' | 'loginPush' | 'syncNow'; device: number; id: string }
  | { kind: 'webPut' | 'webDelete'; id: string }
  | { kind: 'tick'; ms: number };

const device = fc.integer({ min: 0, max: 1 });
const id = fc.constantFrom(...IDS);
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('edit' as const), device, id }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), device, id }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('editDuringSync' as const), device, id }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('loginPush' as const), device, id }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('syncNow' as const), device, id }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('webPut' as const), id }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('webDelete' as const), id }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 2 * HOUR }) }),
  },
);
const history = fc.record({
  skews: fc.tuple(fc.integer({ min: -3 * HOUR, max: 3 * HOUR }), fc.integer({ min: -3 * HOUR, max: 3 * HOUR })),
  stores: fc.tuple(fc.constantFrom(...STORES), fc.constantFrom(...STORES)),
  faults: fc.array(fc.constantFrom<Fault>('none', 'none', 'none', 'duplicate', 'lostResponse', 'failBeforeSending'), {
    minLength: 1,
    maxLength: 20,
  }),
  actions: fc.array(action, { minLength: 1, maxLength: Number(process.env.FC_STEPS ?? 25) }),
});

/** A rep's edit of a record: what it holds, and the earliest server time it can count as. */
type Edit = { device: number; id: string; name: string | null; effectiveAtLeast: number };

test.prop([history], propertyParams(8))(
  'what the rep sees: every lost edit is kept, and only a newer version or a deletion beats one',
  async ({ skews, stores, faults, actions }) => {
    serverClock += 30 * 24 * HOUR; // each history on fresh time
    const account = stack.newAccount();
    const accepted = new Set<string>(); // names the backend accepted
    let faultIndex = 0;
    let faultsOn = true;
    let names = 0;
    const wire = (): Fetch => {
      let previousFaulted = false;
      return async (url, init) => {
        const fault = faultsOn && !previousFaulted ? faults[faultIndex++ % faults.length]! : 'none';
        previousFaulted = fault !== 'none';
        if (fault === 'failBeforeSending') throw new TypeError('network down');
        if (fault === 'duplicate') note(init, await (await fetch(url, init)).text());
        const response = await fetch(url, init);
        const text = await response.text();
        if (response.status === 200) note(init, text);
        if (fault === 'lostResponse') throw new TypeError('connection reset after the server answered');
        return { status: response.status, headers: response.headers, text: async () => text };
      };
    };
    const note = (init: SentRequest, text: string) => {
      if (init.method !== 'POST' || !init.body) return;
      const sent = sentJson(init) as { changes?: Record<string, WireRecord[]> };
      const body = JSON.parse(text) as { results?: Record<string, { status: string }[]> };
      for (const [collection, list] of Object.entries(body.results ?? {})) {
        list.forEach((result, i) => {
          const version = sent.changes?.[collection]?.[i];
          if (version && ['created', 'updated', 'unchanged'].includes(result.status)) accepted.add(nameOf(version));
        });
      }
    };

    const edits: Edit[] = [];
    const pendingMidSync = new Map<number, string>(); // device → record to edit while its Sync Now runs
    const devices = await Promise.all(
      skews.map(async (skew, d) => {
        const bearer = await signLocalToken(TEST_JWT_SECRET, account, `rep-${d}`);
        const base = wire();
        let client: SyncClient;
        // Edits made while a Sync Now is in flight: after its first page is answered, before the client applies it.
        const fetchWithEdits: Fetch = async (url, init) => {
          const response = await base(url, init);
          const target = pendingMidSync.get(d);
          if (target !== undefined && url.endsWith('/v1/sync/now')) {
            pendingMidSync.delete(d);
            await edit(client, d, target);
          }
          return response;
        };
        client = new SyncClient({
          baseUrl: stack.api.url,
          deviceId: `device-${d}`,
          token: () => bearer,
          store: await openStore(stores[d]!),
          now: () => serverClock + skew,
          fetch: fetchWithEdits,
          retry: { sleep: async () => {}, attempts: 4 },
          pageSize: 3,
        });
        return client;
      }),
    );
    const edit = async (client: SyncClient, d: number, recordId: string, deleted = false) => {
      const name = `d${d}-${++names}`;
      if (deleted) await client.remove('customers', recordId);
      else await client.save('customers', { id: recordId, name });
      edits.push({ device: d, id: recordId, name: deleted ? null : name, effectiveAtLeast: serverClock });
    };
    const webToken = await signLocalToken(TEST_JWT_SECRET, account, 'web-admin');
    const web = async (method: string, path: string, body?: unknown) =>
      fetch(stack.api.url + path, {
        method,
        headers: { authorization: `Bearer ${webToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    const shown = async (client: SyncClient) => JSON.stringify(await client.list('customers'));
    const attempt = async (work: () => Promise<unknown>) => {
      try {
        await work();
      } catch {
        // a request that failed past its retries: the rep tries again later
      }
    };

    for (const a of actions) {
      switch (a.kind) {
        case 'tick':
          serverClock += a.ms;
          break;
        case 'edit':
        case 'delete':
          await edit(devices[a.device]!, a.device, a.id, a.kind === 'delete');
          break;
        case 'editDuringSync':
          pendingMidSync.set(a.device, a.id);
          await attempt(() => devices[a.device]!.syncNow());
          pendingMidSync.delete(a.device);
          break;
        case 'syncNow':
          await attempt(() => devices[a.device]!.syncNow());
          break;
        case 'loginPush': {
          const client = devices[a.device]!;
          const before = await shown(client);
          await attempt(() => client.loginPush());
          expect(await shown(client), 'a login push changes nothing the device shows').toBe(before);
          break;
        }
        case 'webPut':
          await web('PUT', `/v1/records/customers/${a.id}`, { name: `web-${++names}` });
          break;
        case 'webDelete':
          await web('DELETE', `/v1/records/customers/${a.id}`);
          break;
      }
      serverClock += 1;
    }

    // Quiet: no faults, every device pushes what is pending and pulls everything.
    faultsOn = false;
    serverClock += 1000;
    for (const client of devices) await client.syncNow();
    for (const client of devices) await client.syncNow();

    for (const [d, client] of devices.entries()) {
      const lost = await client.discardedEdits();
      for (const recordId of IDS) {
        const last = edits.filter((e) => e.device === d && e.id === recordId).at(-1);
        if (last === undefined) continue;
        const what = `device ${d}'s last edit of ${recordId} (${last.name ?? 'a delete'})`;
        if (last.name !== null && accepted.has(last.name)) continue; // it reached the backend
        const backend = await (await web('GET', `/v1/records/customers/${recordId}`)).json();
        if (last.name === null && (backend.record?.deleted === true || backend.error?.code === 'GONE')) continue;
        if (last.name === null && backend.error?.code === 'NOT_FOUND') continue; // deleted what the backend never had
        const kept = lost.find((l) => l.id === recordId);
        expect(kept, `${what} lost without a trace`).toBeDefined();
        if (kept?.reason === 'stale') {
          expect(kept.winner.updatedAt, `${what} lost to an older version`).toBeGreaterThanOrEqual(
            last.effectiveAtLeast,
          );
        }
      }
    }
  },
  10 * 60_000,
);

function nameOf(version: WireRecord): string {
  return typeof version.name === 'string' ? version.name : `delete:${version.id}@${version.updatedAt}`;
}
