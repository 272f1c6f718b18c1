// Reconciles a device's pushed changes (login push, and the first half of
// Sync Now): validate each record, correct its clock, write it with the
// device rule, and report one status per record in request order.

import type { RecordFields } from '../../protocol/fields.ts';
import { type CollectionName, collectionNames, parseDeviceChange } from '../../protocol/records.ts';
import { type Changes, idOf } from '../../protocol/requests.ts';
import type { PushResult, PushResults } from '../../protocol/responses.ts';
import { contentHash, TOMBSTONE_HASH } from '../core/content-hash.ts';
import { type Writer, writerKey } from '../core/identity.ts';
import {
  type Decision,
  decideAfterSecondWrite,
  decidePush,
  effectiveUpdatedAt,
  firstWrite,
  type IncomingVersion,
  secondWrite,
  type WriteAttempt,
  writes,
} from '../core/reconcile.ts';
import { type RecordItem, storedVersion, toSyncedRecord } from '../store/records-store.ts';
import type { ServiceContext } from './context.ts';
import type { JustWritten, Winner } from './pull.ts';

export type PushOutcome = {
  results: PushResults;
  /** The backend's version of every record that came back stale or deleted, in request order. */
  winners: Winner[];
  /** Versions the backend now holds from this request (created, updated, unchanged). */
  stored: JustWritten;
  /** Valid records this request pushed (invalid ones are not counted). */
  pushed: number;
};

/** Who pushes (the device) and the device clock's reading when it sent the push. */
export type PushSender = { writer: Writer; clientTime: number };

/** Writes in flight at once: enough to hide DynamoDB's latency, few enough to stay polite. */
const WRITE_CONCURRENCY = 32;

export async function reconcileChanges(
  context: ServiceContext,
  sender: PushSender,
  changes: Changes,
): Promise<PushOutcome> {
  const { receivedAt } = context;
  const { clientTime } = sender;
  const writer = writerKey(sender.writer);
  const results: PushResults = {};
  const winnerSlots: (Winner | undefined)[][] = [];
  const stored: JustWritten = {};
  const remember = (collection: CollectionName, id: string, updatedAt: number) => {
    stored[collection] ??= new Map();
    stored[collection].set(id, updatedAt);
  };
  let pushed = 0;

  const tasks = collectionNames.flatMap((collection) => {
    const records = changes[collection];
    if (records === undefined) return [];
    const slots: PushResult[] = new Array(records.length);
    const winners: (Winner | undefined)[] = new Array(records.length);
    results[collection] = slots;
    winnerSlots.push(winners);
    return records.map((raw, index) => async () => {
      const parsed = parseDeviceChange(collection, raw);
      if (!parsed.ok) {
        slots[index] = { id: idOf(raw), status: 'invalid', issues: parsed.issues };
        return;
      }
      const { change } = parsed;
      const fields = change.deleted ? undefined : change.fields;
      const incoming: IncomingVersion = {
        updatedAt: effectiveUpdatedAt(change.updatedAt, clientTime, receivedAt),
        clientUpdatedAt: change.updatedAt,
        deleted: change.deleted,
        contentHash: change.deleted ? TOMBSTONE_HASH : contentHash(change.fields),
        base: change.base,
      };
      const { decision, current } = await writeDeviceVersion(context, collection, change.id, incoming, {
        writer,
        fields,
      });
      pushed += 1;
      slots[index] = { id: change.id, status: decision.status, updatedAt: decision.updatedAt };
      if (writes(decision.status) || decision.status === 'unchanged') {
        remember(collection, change.id, decision.updatedAt);
        return;
      }
      // Stale or deleted: the version that won is delivered within the pass (a purged one as a tombstone).
      winners[index] = {
        collection,
        record:
          current === undefined
            ? { id: change.id, updatedAt: decision.updatedAt, deleted: true, updatedBy: null }
            : toSyncedRecord(current),
      };
    });
  });

  await runWithConcurrency(tasks, WRITE_CONCURRENCY);
  const winners = winnerSlots.flat().filter((w): w is Winner => w !== undefined);
  return { results, winners, stored, pushed };
}

/** Runs tasks with a bounded number in flight; after a failure starts no new task, then rethrows it. */
async function runWithConcurrency(tasks: (() => Promise<void>)[], concurrency: number): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < tasks.length) {
      const task = tasks[next++]!;
      try {
        await task();
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  if (failure) throw failure.error;
}

/**
 * One pushed version, written as the rules say in at most two conditional
 * writes (core/reconcile.ts): the first covers every way the version can
 * land with one stamp; if another writer got in between, the item DynamoDB
 * hands back decides whether a second, B6's, is still due. No reads.
 */
async function writeDeviceVersion(
  context: ServiceContext,
  collection: CollectionName,
  id: string,
  incoming: IncomingVersion,
  version: { writer: string; fields: RecordFields | undefined },
): Promise<{ decision: Decision; current: RecordItem | undefined }> {
  const { accountId } = context.caller;
  const clock = { now: context.now(), tombstoneRetentionMs: context.config.tombstoneRetentionMs };
  const write = (attempt: WriteAttempt) =>
    context.records.write(
      accountId,
      collection,
      id,
      {
        ...version,
        updatedAt: attempt.storeAt,
        deleted: incoming.deleted,
        clientUpdatedAt: incoming.clientUpdatedAt,
        contentHash: incoming.contentHash,
      },
      { device: attempt.guard },
    );
  // Written: what DynamoDB replaced (ALL_OLD) says whether it was created or updated, and by which rule.
  const written = (previous: RecordItem | undefined, attempt: WriteAttempt) => ({
    decision: {
      status: previous === undefined ? ('created' as const) : ('updated' as const),
      rule: decidePush(previous && storedVersion(previous), incoming, clock).rule,
      updatedAt: attempt.storeAt,
    },
    current: undefined,
  });

  const first = firstWrite(incoming, clock);
  const tried = await write(first);
  if (tried.written) return written(tried.previous, first);
  const seen = tried.current && storedVersion(tried.current);
  const second = secondWrite(seen, incoming, clock);
  if (second === null) return { decision: decidePush(seen, incoming, clock), current: tried.current };
  const retried = await write(second);
  if (retried.written) return written(retried.previous, second);
  const last = retried.current && storedVersion(retried.current);
  return { decision: decideAfterSecondWrite(last, incoming, clock), current: retried.current };
}
