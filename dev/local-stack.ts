// DynamoDB Local (free port, in memory) with the tables, and the local API
// over it, in this process: what the tests and the benchmark run against.
// The DynamoDB client counts the requests it sends and the capacity they
// consumed, so a test or the benchmark can say what a sync cost.
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type SyncConfig, syncConfigFromEnv } from '../functions/config.ts';
import { buildServices } from '../functions/deps.ts';
import type { Services } from '../functions/service/context.ts';
import { createTables, type DynamoDbLocal, LOCAL_TABLES, startDynamoDbLocal } from './dynamodb-local.ts';
import { type ExtraRoute, type LocalApi, type LocalApiOptions, startLocalApi } from './local-api.ts';
import { createLocalDocumentClient } from './local-client.ts';

export type LocalStack = {
  /** The DynamoDB Local this stack uses (its own, or one it shares with others, in a database of its own). */
  dynamo: Pick<DynamoDbLocal, 'endpoint'>;
  api: LocalApi;
  client: DynamoDBDocumentClient;
  services: Services;
  /** DynamoDB requests sent since the last reset, by operation (PutItem, Query, …). */
  requests: RequestCounter;
  stop: () => Promise<void>;
};

export type LocalStackOptions = {
  jwtSecret: string;
  now?: () => number;
  config?: Partial<SyncConfig> & { cursorSecret?: string };
  /** Lets the caller wrap the client (fault injection, slow writers, capacity reporting). */
  instrument?: (client: DynamoDBDocumentClient) => void;
  extraRoutes?: (client: DynamoDBDocumentClient, services: Services) => ExtraRoute[];
  corsOrigin?: string;
  /**
   * A DynamoDB Local already running (started with `sharedDb: false`): the stack uses a database of its own
   * in it (an access key of its own) and leaves it running. Unset: the stack starts its own, and stops it.
   */
  dynamoEndpoint?: string;
  /** Puts something between the API and DynamoDB Local (a fault-injecting proxy): its endpoint, and how to stop it. */
  between?: (endpoint: string) => Promise<{ endpoint: string; close: () => Promise<void> }>;
} & Pick<LocalApiOptions, 'timeoutMs' | 'log' | 'observe' | 'beside' | 'onResponse'>;

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const own = options.dynamoEndpoint === undefined ? await startDynamoDbLocal() : null;
  const dynamo = { endpoint: options.dynamoEndpoint ?? own!.endpoint };
  // Letters and digits only: DynamoDB Local refuses any other access key.
  const accessKey = own === null ? `stack${randomUUID().replaceAll('-', '').slice(0, 15)}` : 'local';
  await createTables(dynamo.endpoint, LOCAL_TABLES, accessKey);
  const middle = await options.between?.(dynamo.endpoint);
  const client = createLocalDocumentClient(middle?.endpoint ?? dynamo.endpoint, accessKey);
  const requests = new RequestCounter();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName).replace(/Command$/, '');
      requests.count(operation);
      const result = await next(args);
      if (operation === 'PutItem' || operation === 'UpdateItem' || operation === 'DeleteItem') requests.written += 1;
      type Consumed = { TableName?: string; CapacityUnits?: number };
      const consumed = (result.output as { ConsumedCapacity?: Consumed | Consumed[] }).ConsumedCapacity;
      for (const c of [consumed ?? []].flat()) requests.consumed(c.TableName ?? '', c.CapacityUnits ?? 0);
      return result;
    },
    { step: 'build', name: 'countRequests' },
  );
  options.instrument?.(client);
  const services = buildServices({
    client,
    recordsTable: LOCAL_TABLES.records,
    syncStateTable: LOCAL_TABLES.syncState,
    cursorSecret: options.config?.cursorSecret ?? 'local-stack-cursor-secret',
    config: { ...syncConfigFromEnv({}), ...options.config },
    ...(options.now ? { now: options.now } : {}),
  });
  const api = await startLocalApi({
    services: () => services,
    jwtSecret: options.jwtSecret,
    extraRoutes: options.extraRoutes?.(client, services) ?? [],
    ...(options.corsOrigin ? { corsOrigin: options.corsOrigin } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.observe ? { observe: options.observe } : {}),
    ...(options.beside ? { beside: options.beside } : {}),
    ...(options.onResponse ? { onResponse: options.onResponse } : {}),
  });
  return {
    dynamo,
    api,
    client,
    services,
    requests,
    stop: async () => {
      await api.close();
      client.destroy();
      await middle?.close();
      await own?.stop();
    },
  };
}

export class RequestCounter {
  private counts = new Map<string, number>();
  /** Writes DynamoDB accepted (a write whose condition failed is not one). */
  written = 0;
  /** Capacity units DynamoDB reported per table (when the request asked for ConsumedCapacity). */
  capacity = new Map<string, number>();
  count(operation: string) {
    this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
  }
  reset() {
    this.counts.clear();
    this.written = 0;
    this.capacity.clear();
  }
  consumed(table: string, units: number) {
    this.capacity.set(table, (this.capacity.get(table) ?? 0) + units);
  }
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
