// Sync Now, the whole sequence in one place:
//   1. read the cursor (a bad or foreign one is BAD_CURSOR before anything is written);
//   2. push the device's changes (as login push does);
//   3. pull a page: what the pass owes, then changes after the cursor, within
//      the response's budget (service/pull.ts);
//   4. on the pass's last page, record the sync (account and device);
//      otherwise record the push, if there was one.

import { MAX_CURSOR_CHARS } from '../../protocol/limits.ts';
import { collectionNames } from '../../protocol/records.ts';
import { idOf, type SyncNowRequest } from '../../protocol/requests.ts';
import type { SyncNowResponse } from '../../protocol/responses.ts';
import { decodeCursor, encodeCursor, encodedCursorLength } from '../core/cursor.ts';
import { DomainError } from '../core/errors.ts';
import { nextPass, type Owed, owedKey, startPosition, syncPosition } from '../core/feed.ts';
import { deviceWriter } from '../core/identity.ts';
import { asDevice } from '../store/sync-state-store.ts';
import type { ServiceContext } from './context.ts';
import { type PullPage, pullPage } from './pull.ts';
import { type PushOutcome, reconcileChanges } from './push.ts';

const nothingPushed: PushOutcome = { results: {}, winners: [], stored: {}, pushed: 0 };

export async function syncNow(
  context: ServiceContext,
  request: SyncNowRequest,
): Promise<{ response: SyncNowResponse; outcome: PushOutcome; page: PullPage }> {
  const { caller } = context;
  const { accountId } = caller;
  const writer = deviceWriter(caller.userId, request.deviceId);

  // 1. The cursor (its key first: a function without one fails here, before it writes anything).
  const secret = context.cursorKey();
  const previous =
    request.cursor === null ? null : decodeCursor(secret, accountId, 'sync', syncPosition, request.cursor);
  const position = startPosition(previous, context.now(), context.config);
  const pushes = Object.values(request.changes).reduce((n, list) => n + (list?.length ?? 0), 0);
  // The cursor must be able to owe every record this request might lose, on top of what it owes already
  // (a record already owed is owed once: a resumed pass that pushes the same rows again adds nothing).
  const owedKeys = new Set((position.owed ?? []).map(owedKey));
  const mayOwe = collectionNames.flatMap((collection) =>
    (request.changes[collection] ?? [])
      .filter((r) => !owedKeys.has(owedKey([collection, idOf(r) ?? ''])))
      .map((): Owed => [collection, 'x'.repeat(128)]),
  );
  const longestName = collectionNames.reduce((a, b) => (b.length > a.length ? b : a));
  const worstCursor = encodedCursorLength(accountId, 'sync', {
    ...position,
    done: collectionNames,
    col: longestName,
    key: { id: 'x'.repeat(128), changedAt: Number.MAX_SAFE_INTEGER },
    owed: [...(position.owed ?? []), ...mayOwe],
  });
  if (worstCursor > MAX_CURSOR_CHARS) {
    throw new DomainError('BAD_REQUEST', 'this pass still owes records: finish it (no changes) before pushing more');
  }

  // 2. The push.
  const outcome =
    pushes > 0
      ? await reconcileChanges(context, { writer, clientTime: request.clientTime }, request.changes)
      : nothingPushed;

  // 3. The page: what is left of the response once the results and the cursor have their room.
  const bytes = context.pageBudget({ values: [outcome.results], bytes: worstCursor });
  const page = await pullPage(context, position, request.limit, bytes, {
    justWritten: outcome.stored,
    winners: outcome.winners,
  });
  const passStart = position.start ?? context.now();
  const cursorPosition = page.complete ? nextPass(page.position, passStart, context.config.lookbackMs) : page.position;

  // 4. The device's and the account's sync state.
  const serverTime = context.now();
  const device = asDevice(writer);
  if (page.complete) await context.syncState.recordSync(accountId, device, serverTime, passStart, outcome.pushed > 0);
  else if (outcome.pushed > 0) await context.syncState.recordPush(accountId, device, serverTime);

  return {
    response: {
      serverTime,
      results: outcome.results,
      changes: page.changes,
      cursor: encodeCursor(secret, accountId, 'sync', cursorPosition),
      hasMore: !page.complete,
      reset: position.reset === true,
    },
    outcome,
    page,
  };
}
