// Faults partway through: DynamoDB throttling and timeouts in the middle of
// a batch, a Lambda that dies after writing half a batch, and a client that
// crashes between receiving a page and storing it. The retry converges and
// nothing acknowledged is lost.
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Batch, MemoryStore, SyncClient } from '../../client/index.ts';
import { signLocalToken } from '../../dev/local-token.ts';
import { type Stack, startStack, TEST_JWT_SECRET } from '../support/local-stack.ts';

/** Fails the n-th PutItem from now with the given error, once. */
const fault = { countdown: -1, error: (): Error => new Error('unset'), fired: 0 };
function failPutNumber(n: number, error: () => Error) {
  Object.assign(fault, { countdown: n, error, fired: 0 });
}
function installFaults(client: DynamoDBDocumentClient) {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutItemCommand' && fault.countdown > 0 && --fault.countdown === 0) {
        fault.fired += 1;
        throw fault.error();
      }
      return next(args);
    },
    { step: 'initialize', name: 'faults' },
  );
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ instrument: installFaults });
});
afterAll(async () => {
  await stack?.stop();
});

async function device(account: string, store = new MemoryStore(), statuses: number[] = []) {
  const token = await signLocalToken(TEST_JWT_SECRET, account, 'rep');
  const recording: typeof fetch = async (url, init) => {
    const response = await fetch(url, init);
    statuses.push(response.status);
    return response;
  };
  return new SyncClient({
    baseUrl: stack.api.url,
    deviceId: 'ipad-1',
    token: () => token,
    store,
    fetch: recording as never,
    retry: { sleep: async () => {} },
  });
}
const product = (i: number) => ({ id: `p${i}`, name: `n${i}`, sku: `s${i}`, priceCents: i, currency: 'EUR' });

/** Fails the 300th write of a 600-record push once with `error`; `statuses`: what the device then saw. */
async function pushAllThroughAFault(error: () => Error, expectedStatuses: number[]) {
  const account = stack.newAccount();
  const statuses: number[] = [];
  const ipad = await device(account, new MemoryStore(), statuses);
  for (let i = 0; i < 600; i++) await ipad.save('products', product(i));
  failPutNumber(300, error); // halfway through the batch
  const push = await ipad.loginPush();
  expect(fault.fired).toBe(1);
  expect(statuses).toEqual(expectedStatuses);
  const counts: Record<string, number> = {};
  for (const r of push.results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  expect((counts.created ?? 0) + (counts.unchanged ?? 0)).toBe(600);
  if (expectedStatuses.length > 1) {
    // The first attempt wrote some records before the fault; the retry reports them unchanged (B2).
    expect(
      counts.unchanged ?? 0,
      `some records were written before the fault: ${JSON.stringify(counts)}`,
    ).toBeGreaterThan(0);
  }
  const web = await stack.as(account);
  const listed = await web.request<{ records: unknown[] }>('GET', '/v1/records/products?limit=1000');
  expect(listed.body.records).toHaveLength(600);
}

describe('faults partway through a batch', () => {
  it('a throttle mid-batch is retried inside the request: one 200, nothing lost', async () => {
    await pushAllThroughAFault(
      () => new ProvisionedThroughputExceededException({ message: 'throttled', $metadata: {} }),
      [200],
    );
  });

  it('a DynamoDB timeout mid-batch is retried inside the request too', async () => {
    await pushAllThroughAFault(
      () => Object.assign(new Error('Connection timed out after 5000 ms'), { name: 'TimeoutError' }),
      [200],
    );
  });

  it('a function that fails after writing half (a defect: 500): the client retries, and the retry converges', async () => {
    await pushAllThroughAFault(() => new Error('the function crashed'), [500, 200]);
  });

  it('a client that crashes between receiving a page and storing it resumes from the last stored cursor', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account);
    const writer = await device(account);
    for (let i = 0; i < 250; i++) await writer.save('products', product(i));
    await writer.loginPush();

    let pagesStored = 0;
    let crashes = 0;
    class CrashingStore extends MemoryStore {
      override async apply(batch: Batch) {
        if (batch.meta?.cursor && pagesStored === 1 && crashes === 0) {
          crashes += 1;
          throw new Error('app killed before the page was written');
        }
        if (batch.meta?.cursor) pagesStored += 1;
        return super.apply(batch);
      }
    }
    const store = new CrashingStore();
    const token = await signLocalToken(TEST_JWT_SECRET, account, 'rep2');
    const android = new SyncClient({
      baseUrl: stack.api.url,
      deviceId: 'android-2',
      token: () => token,
      store,
      pageSize: 100,
      retry: { sleep: async () => {} },
    });
    await expect(android.syncNow()).rejects.toThrow(/app killed/);
    expect(await android.list('products'), 'only the first page was stored').toHaveLength(100);

    await web.put('products', 'p0', { name: 'changed meanwhile', sku: 's', priceCents: 1, currency: 'EUR' });
    const resumed = await android.syncNow();
    expect(resumed.pages).toBeGreaterThanOrEqual(2);
    const held = await android.list('products');
    expect(held).toHaveLength(250);
    expect(new Set(held.map((r) => r.id)).size).toBe(250);
    // The resumed pass had read p0 before the web changed it: the status page
    // says so, and the next Sync Now brings it.
    const status = await android.status();
    expect(status.collections.products?.pendingChanges).toBe(1);
    expect(status.upToDate).toBe(false);
    await android.syncNow();
    expect((await android.get('products', 'p0'))?.name).toBe('changed meanwhile');
    expect((await android.status()).upToDate).toBe(true);
  });
});
