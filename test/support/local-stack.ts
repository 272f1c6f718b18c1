// The local stack (dev/local-stack.ts) for one test file, with a token
// signer and a small HTTP client per caller.
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { MemoryStore, SyncClient, type SyncClientOptions } from '../../client/index.ts';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../dev/local-stack.ts';
import { signLocalToken } from '../../dev/local-token.ts';
import { violations } from './openapi-validator.ts';

export const TEST_JWT_SECRET = 'test-secret';

export type Stack = LocalStack & {
  /** A fresh account id, so tests in one file never see each other's data. */
  newAccount: () => string;
  /** A caller; `headers` go on every request (e.g. `accept-encoding`; fetch offers gzip and deflate by default). */
  as: (accountId: string, userId?: string, headers?: Record<string, string>) => Promise<ApiClient>;
  /** The reference client as device `deviceId` of user `rep-<deviceId>`, retrying without waiting. */
  device: (account: string, deviceId: string, options?: Partial<SyncClientOptions>) => Promise<SyncClient>;
};

export type StackOptions = Omit<LocalStackOptions, 'jwtSecret'> & {
  /**
   * Hold every answer to the OpenAPI document (the default). Off only for a file that puts into the table
   * what no API write could (records past the schema's limits, to load the envelope), or serves routes of
   * its own.
   */
  contract?: boolean;
};

/**
 * The function timeout the test stacks enforce. DynamoDB Local on a shared
 * 2-core machine, with another test file running beside, takes several times
 * longer than DynamoDB for a 1,000-record push (3.4 s alone, 14 s seen under
 * load), so the tests give handlers a minute; the deployed 10 s is what
 * `npm start` enforces, and test/integration/local-envelope.test.ts checks
 * the mechanism itself with a short timeout.
 */
const TEST_FUNCTION_TIMEOUT_MS = 60_000;

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  // The contract, on every answer the suite receives: what the OpenAPI document does not say fails the file.
  const undocumented: string[] = [];
  const stack = await startLocalStack({
    jwtSecret: TEST_JWT_SECRET,
    timeoutMs: TEST_FUNCTION_TIMEOUT_MS,
    // The run's DynamoDB Local (test/support/global-dynamodb.ts), a database of this stack's own in it.
    dynamoEndpoint: inject('dynamoEndpoint'),
    onResponse: ({ method, path }, result) => {
      if (options.contract === false) return;
      const { statusCode = 200, headers = {}, body, isBase64Encoded } = result;
      undocumented.push(...violations({ method, path, status: statusCode, headers, body, isBase64Encoded }));
    },
    ...options,
  });
  return {
    ...stack,
    stop: async () => {
      await stack.stop();
      if (undocumented.length > 0) {
        const found = [...new Set(undocumented)];
        const shown = found.slice(0, 10).map((v) => (v.length > 400 ? `${v.slice(0, 400)}…` : v));
        throw new Error(`answers the OpenAPI document does not describe (${found.length}):\n${shown.join('\n')}`);
      }
    },
    newAccount: () => `acct-${randomUUID().slice(0, 8)}`,
    device: async (account, deviceId, options = {}) => {
      const token = await signLocalToken(TEST_JWT_SECRET, account, `rep-${deviceId}`);
      return new SyncClient({
        baseUrl: stack.api.url,
        deviceId,
        token: () => token,
        store: new MemoryStore(),
        retry: { sleep: async () => {} },
        ...options,
      });
    },
    as: async (accountId, userId = 'alice', headers = {}) =>
      new ApiClient(stack.api.url, await signLocalToken(TEST_JWT_SECRET, accountId, userId), headers),
  };
}

export type Response<T = Record<string, unknown>> = { status: number; body: T; headers: Headers };

/** A tiny HTTP client for one caller, speaking the API's JSON. */
export class ApiClient {
  constructor(
    readonly url: string,
    readonly token: string,
    private readonly defaultHeaders: Record<string, string> = {},
  ) {}

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response<T>> {
    const response = await fetch(this.url + path, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...this.defaultHeaders,
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
  }

  push(deviceId: string, changes: Record<string, unknown[]>, clientTime = Date.now()) {
    return this.request<PushBody>('POST', '/v1/sync/push', { deviceId, clientTime, changes });
  }

  syncNow(deviceId: string, cursor: string | null, extra: Record<string, unknown> = {}) {
    return this.request<SyncNowBody>('POST', '/v1/sync/now', { deviceId, clientTime: Date.now(), cursor, ...extra });
  }

  /** Sync Now until hasMore is false; returns every page. */
  async syncAll(deviceId: string, cursor: string | null, extra: Record<string, unknown> = {}) {
    const pages: SyncNowBody[] = [];
    let next = cursor;
    let first = true;
    for (;;) {
      const response = await this.syncNow(deviceId, next, first ? extra : { limit: extra.limit ?? 500 });
      if (response.status !== 200) throw new Error(`sync failed: ${response.status} ${JSON.stringify(response.body)}`);
      pages.push(response.body);
      next = response.body.cursor;
      first = false;
      if (!response.body.hasMore) return { pages, cursor: next };
    }
  }

  put(collection: string, id: string, body: unknown) {
    return this.request<{ record: SyncedRecord }>('PUT', `/v1/records/${collection}/${id}`, body);
  }
  get(collection: string, id: string) {
    return this.request<{ record: SyncedRecord }>('GET', `/v1/records/${collection}/${id}`);
  }
  delete(collection: string, id: string) {
    return this.request('DELETE', `/v1/records/${collection}/${id}`);
  }
  status(deviceId?: string) {
    return this.request<StatusBody>('GET', `/v1/sync/status${deviceId ? `?deviceId=${deviceId}` : ''}`);
  }
}

export type SyncedRecord = { id: string; updatedAt: number; deleted?: boolean; [field: string]: unknown };
export type PushResult = {
  id: string | null;
  status: string;
  updatedAt?: number;
  issues?: { path: string; message: string }[];
};
export type PushBody = { serverTime: number; results: Record<string, PushResult[]> };
export type SyncNowBody = PushBody & {
  changes: Record<string, SyncedRecord[]>;
  cursor: string;
  hasMore: boolean;
  reset: boolean;
};
export type StatusBody = {
  serverTime: number;
  account: { lastSyncAt: number | null; lastSyncBy: { userId: string; deviceId: string } | null };
  device: { deviceId: string; lastSyncAt: number | null; lastPushAt: number | null } | null;
  collections: Record<string, { lastChangedAt: number | null; pendingChanges: number | null }>;
  upToDate: boolean | null;
};

export const product = (id: string, updatedAt: number, overrides: Record<string, unknown> = {}) => ({
  id,
  updatedAt,
  name: `Product ${id}`,
  sku: `SKU-${id}`,
  priceCents: 1000,
  currency: 'EUR',
  ...overrides,
});

export const webProduct = (name: string, priceCents = 1000) => ({
  name,
  sku: `SKU-${name}`,
  priceCents,
  currency: 'EUR',
});

export function ids(records: { id: string }[] | undefined): string[] {
  return (records ?? []).map((r) => r.id).sort();
}
