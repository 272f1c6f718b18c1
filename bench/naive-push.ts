// The baseline the benchmark compares against: how per-record sync systems
// push — one HTTP request per record, and on the server a read of the stored
// item, a decision in code, then a write. (It is also racy: two writers can
// both read the old item before either writes. Ours is one conditional write.)
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { ExtraRoute } from '../dev/local-api.ts';
import { DomainError } from '../functions/core/errors.ts';
import { deviceWriter, writerKey } from '../functions/core/identity.ts';
import { decidePush, effectiveUpdatedAt, writes } from '../functions/core/reconcile.ts';
import { httpHandler } from '../functions/http/http-handler.ts';
import type { ServicesSource } from '../functions/service/context.ts';
import { partitionKey, type RecordItem, storedVersion } from '../functions/store/records-store.ts';
import { contentHash, TOMBSTONE_HASH } from '../protocol/content-hash.ts';
import { parseDeviceChange } from '../protocol/records.ts';

const body = z.object({ deviceId: z.string(), clientTime: z.number(), record: z.unknown() });

export function naivePushRoute(
  client: DynamoDBDocumentClient,
  tableName: string,
  services: ServicesSource,
): ExtraRoute {
  const handler = httpHandler(services, { jsonBody: true }, async ({ body: raw, context }) => {
    const { caller: identity, receivedAt } = context;
    const request = body.parse(raw);
    const parsed = parseDeviceChange('products', request.record);
    if (!parsed.ok) throw new DomainError('VALIDATION_FAILED', 'invalid', { issues: parsed.issues });
    const { change } = parsed;
    const key = { pk: partitionKey(identity.accountId, 'products'), id: change.id };
    const current = (await client.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
    const incoming = {
      updatedAt: effectiveUpdatedAt(change.updatedAt, request.clientTime, receivedAt),
      deleted: change.deleted,
      clientUpdatedAt: change.updatedAt,
      contentHash: change.deleted ? TOMBSTONE_HASH : contentHash(change.fields),
      base: change.base,
    };
    const clock = { now: Date.now(), tombstoneRetentionMs: context.config.tombstoneRetentionMs };
    const { status, updatedAt } = decidePush(current && storedVersion(current as RecordItem), incoming, clock);
    if (writes(status)) {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...key,
            updatedAt,
            deleted: incoming.deleted,
            writer: writerKey(deviceWriter(identity.userId, request.deviceId)),
            clientUpdatedAt: incoming.clientUpdatedAt,
            contentSha256: incoming.contentHash,
            changedAt: Date.now(),
            ...(change.deleted ? {} : { data: change.fields }),
          },
        }),
      );
    }
    return { statusCode: 200, body: { id: change.id, status } };
  });
  return {
    name: 'NaivePush',
    method: 'POST',
    path: '/bench/naive-push',
    authenticated: true,
    handler,
  };
}
