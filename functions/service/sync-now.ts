// Sync Now, the whole sequence in one place:
//   1. read the cursor (a bad or foreign one is BAD_CURSOR before anything is written);
//   2. push the device's changes (as login push does);
//   3. pull a page: what the pass owes, then changes after the cursor, within
//      the response's budget (service/pull.ts);
//   4. on the pass's last page, record the sync (account and device);
//      otherwise record the push, if there was one.
import { collectionNames } from '../../protocol/collections.ts';
import { MAX_CURSOR_CHARS } from '../../protocol/limits.ts';
import { idOf, type SyncNowRequest } from '../../protocol/requests.ts';
import type { SyncNowResponse } from '../../protocol/responses.ts';
import { decodeCursor, encodeCursor, encodedCursorLength } from '../core/cursor.ts';
import { DomainError } from '../core/errors.ts';
import { nextPass, owedKey, startPosition, syncPosition } from '../core/feed.ts';
import { deviceWriter } from '../core/identity.ts';
import { pageBudget, wireCost } from '../core/page-budget.ts';
import type { ResponseEncoding } from '../core/wire-encoding.ts';
import type { Deps } from '../deps.ts';
import { asDevice } from '../store/sync-state-store.ts';
import type { Caller } from './login-push.ts';
import { type PullPage, pullPage } from './pull.ts';
import { type PushOutcome, reconcileChanges } from './push.ts';

const nothingPushed: PushOutcome = { results: {}, winners: [], stored: {}, pushed: 0 };

export async function syncNow(
  deps: Deps,
  caller: Caller,
  request: SyncNowRequest,
  receivedAt: number,
  /** How the response will be sent (null: plain): its page is sized on that. */
  encoding: ResponseEncoding | null,
): Promise<{ response: SyncNowResponse; outcome: PushOutcome; page: PullPage }> {
  const { accountId } = caller;
  const writer = deviceWriter(caller.userId, request.deviceId);

  // 1. The cursor (its key first: a function without one fails here, before it writes anything).
  const secret = deps.cursorSecret;
  const previous =
    request.cursor === null ? null : decodeCursor(secret, accountId, 'sync', syncPosition, request.cursor);
  const position = startPosition(previous, deps.now(), deps.config);
  const pushes = Object.values(request.changes).reduce((n, list) => n + (list?.length ?? 0), 0);
  // The cursor must be able to owe every record this request might lose, on top of what it owes already
  // (a record already owed is owed once: a resumed pass that pushes the same rows again adds nothing).
  const owedKeys = new Set((position.owed ?? []).map(owedKey));
  const mayAdd = collectionNames.reduce(
    (n, collection, c) =>
      n + (request.changes[collection] ?? []).filter((r) => !owedKeys.has(owedKey([c, idOf(r) ?? '']))).length,
    0,
  );
  const worstCursor = encodedCursorLength(accountId, 'sync', {
    ...position,
    key: { id: 'x'.repeat(128), changedAt: Number.MAX_SAFE_INTEGER },
    owed: [
      ...(position.owed ?? []),
      ...Array.from({ length: mayAdd }, () => [collectionNames.length, 'x'.repeat(128)]),
    ],
  });
  if (worstCursor > MAX_CURSOR_CHARS) {
    throw new DomainError('BAD_REQUEST', 'this pass still owes records: finish it (no changes) before pushing more');
  }

  // 2. The push.
  const outcome =
    pushes > 0
      ? await reconcileChanges(deps, { accountId, writer, clientTime: request.clientTime, receivedAt }, request.changes)
      : nothingPushed;

  // 3. The page: what is left of the response once the results and the cursor have their room.
  const bytes = pageBudget(encoding, wireCost(outcome.results) + worstCursor);
  const page = await pullPage(deps, accountId, position, request.limit, bytes, {
    justWritten: outcome.stored,
    winners: outcome.winners,
  });
  const passStart = position.start ?? deps.now();
  const cursorPosition = page.complete ? nextPass(page.position, passStart, deps.config.lookbackMs) : page.position;

  // 4. The device's and the account's sync state.
  const serverTime = deps.now();
  const device = asDevice(writer);
  if (page.complete) await deps.syncState.recordSync(accountId, device, serverTime, passStart, outcome.pushed > 0);
  else if (outcome.pushed > 0) await deps.syncState.recordPush(accountId, device, serverTime);

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
