// Reconciles a device's pushed changes (login push, and the first half of
// Sync Now): validate each record, correct its clock, write it with the
// device rule, and report one status per record in request order.
import { type CollectionName, collectionNames, parseDeviceChange } from '../../protocol/records.ts';
import { type Changes, idOf } from '../../protocol/requests.ts';
import type { PushResult, PushResults } from '../../protocol/responses.ts';
import { type Writer, writerKey } from '../core/identity.ts';
import { contentHash, decidePush, effectiveUpdatedAt, writes } from '../core/reconcile.ts';
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
  const { accountId } = context.caller;
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
      const incoming = {
        updatedAt: effectiveUpdatedAt(change.updatedAt, clientTime, receivedAt),
        deleted: change.deleted,
        writer,
        clientUpdatedAt: change.updatedAt,
        contentHash: contentHash(change.deleted, fields),
      };
      const outcome = await context.records.write(
        accountId,
        collection,
        change.id,
        { ...incoming, fields },
        'device-push',
      );
      pushed += 1;
      if (outcome.written) {
        slots[index] = {
          id: change.id,
          status: outcome.previous ? 'updated' : 'created',
          updatedAt: incoming.updatedAt,
        };
        remember(collection, change.id, incoming.updatedAt);
        return;
      }
      // The condition failed: DynamoDB returned the version that beat ours.
      const status = decidePush(outcome.current, incoming);
      if (outcome.current === undefined || writes(status)) {
        throw new Error(`write rejected although the rules accept it (${collection})`);
      }
      slots[index] = { id: change.id, status, updatedAt: outcome.current.updatedAt };
      if (status === 'unchanged') remember(collection, change.id, outcome.current.updatedAt);
      else winners[index] = { collection, item: outcome.current };
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
