// useSyncState: the client's state in a React component, re-rendered on every
// change (React's useSyncExternalStore over subscribe/getState). Its own entry
// point: the core SDK does not depend on React.
import { useSyncExternalStore } from 'react';
import type { SyncClient } from './sync-client.ts';
import type { SyncState } from './types.ts';

export function useSyncState(client: Pick<SyncClient, 'subscribe' | 'getState'>): SyncState {
  return useSyncExternalStore(client.subscribe, client.getState, client.getState);
}
