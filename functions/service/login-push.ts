// Login push: the device's pending changes go up, nothing comes down (the
// rep's catalogue must not shift mid-demo). Reconcile, then record the push.
import type { PushRequest } from '../../protocol/requests.ts';
import type { PushResponse } from '../../protocol/responses.ts';
import { deviceWriter } from '../core/identity.ts';
import { asDevice } from '../store/sync-state-store.ts';
import type { ServiceContext } from './context.ts';
import { type PushOutcome, reconcileChanges } from './push.ts';

export async function loginPush(
  context: ServiceContext,
  request: PushRequest,
): Promise<{ response: PushResponse; outcome: PushOutcome }> {
  const { caller } = context;
  const writer = deviceWriter(caller.userId, request.deviceId);
  const outcome = await reconcileChanges(context, { writer, clientTime: request.clientTime }, request.changes);
  const serverTime = context.now();
  await context.syncState.recordPush(caller.accountId, asDevice(writer), serverTime);
  return { response: { serverTime, results: outcome.results }, outcome };
}
