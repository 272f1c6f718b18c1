// Reconciles a device's pushed changes (login push, and the first half of
// Sync Now): validate each record, correct its clock, write it with the
// device rule, and report one status per record in request order.

import type { PushResult } from '../../protocol/responses.ts';
import { type CollectionName, collectionNames, parseDeviceChange, type SyncedRecord } from '../core/collections.ts';
import { decidePush, effectiveUpdatedAt, writes } from '../core/reconcile.ts';
import { type Changes, idOf } from '../core/requests.ts';
import type { Deps } from '../deps.ts';
import { toSyncedRecord } from '../store/records-store.ts';
import type { JustWritten } from './pull.ts';

export type PushOutcome = {
  results: Partial<Record<CollectionName, PushResult[]>>;
  /** The backend's version of every record that came back stale or deleted. */
  winners: Partial<Record<CollectionName, SyncedRecord[]>>;
  /** Versions the backend now holds from this request (created, updated, unchanged). */
  stored: JustWritten;
  /** Valid records this request pushed (invalid ones are not counted). */
  pushed: number;
};

/** Writes in flight at once: enough to hide DynamoDB's latency, few enough to stay polite. */
const WRITE_CONCURRENCY = 32;

export async function reconcileChanges(
  deps: Deps,
  accountId: string,
  deviceId: string,
  clientTime: number,
  changes: Changes,
  receivedAt: number,
): Promise<PushOutcome> {
  const results: PushOutcome['results'] = {};
  const winners: PushOutcome['winners'] = {};
  const stored: JustWritten = {};
  let pushed = 0;

  const tasks = collectionNames.flatMap((collection) => {
    const records = changes[collection];
    if (records === undefined) return [];
    const slots: PushResult[] = new Array(records.length);
    results[collection] = slots;
    return records.map((raw, index) => async () => {
      const parsed = parseDeviceChange(collection, raw);
      if (!parsed.ok) {
        slots[index] = { id: idOf(raw), status: 'invalid', issues: parsed.issues };
        return;
      }
      const { change } = parsed;
      const incoming = {
        updatedAt: effectiveUpdatedAt(change.updatedAt, clientTime, receivedAt),
        deleted: change.deleted,
        writer: deviceId,
        clientUpdatedAt: change.updatedAt,
      };
      const outcome = await deps.records.write(
        accountId,
        collection,
        change.id,
        { ...incoming, fields: change.deleted ? undefined : change.fields },
        'device-push',
      );
      pushed += 1;
      if (outcome.written) {
        slots[index] = {
          id: change.id,
          status: outcome.previous ? 'updated' : 'created',
          updatedAt: incoming.updatedAt,
        };
        remember(stored, collection).set(change.id, incoming.updatedAt);
        return;
      }
      // The condition failed: DynamoDB returned the version that beat ours.
      const status = decidePush(outcome.current, incoming);
      if (outcome.current === undefined || writes(status)) {
        throw new Error(`write rejected although the rules accept it (${collection}/${change.id})`);
      }
      slots[index] = { id: change.id, status, updatedAt: outcome.current.updatedAt };
      if (status === 'unchanged') remember(stored, collection).set(change.id, outcome.current.updatedAt);
      else {
        winners[collection] ??= [];
        winners[collection].push(toSyncedRecord(outcome.current));
      }
    });
  });

  await runWithConcurrency(tasks, WRITE_CONCURRENCY);
  return { results, winners, stored, pushed };
}

function remember(stored: JustWritten, collection: CollectionName): Map<string, number> {
  stored[collection] ??= new Map();
  return stored[collection];
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
