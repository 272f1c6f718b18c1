// Login push: the device's pending changes go up, nothing comes down (the
// rep's catalogue must not shift mid-demo). Reconcile, then record the push.
import type { PushRequest } from '../../protocol/requests.ts';
import type { PushResponse } from '../../protocol/responses.ts';
import { deviceWriter } from '../core/identity.ts';
import type { Deps } from '../deps.ts';
import { asDevice } from '../store/sync-state-store.ts';
import { type PushOutcome, reconcileChanges } from './push.ts';

export type Caller = { accountId: string; userId: string };

export async function loginPush(
  deps: Deps,
  caller: Caller,
  request: PushRequest,
  receivedAt: number,
): Promise<{ response: PushResponse; outcome: PushOutcome }> {
  const writer = deviceWriter(caller.userId, request.deviceId);
  const outcome = await reconcileChanges(
    deps,
    { accountId: caller.accountId, writer, clientTime: request.clientTime, receivedAt },
    request.changes,
  );
  const serverTime = deps.now();
  await deps.syncState.recordPush(caller.accountId, asDevice(writer), serverTime);
  return { response: { serverTime, results: outcome.results }, outcome };
}
