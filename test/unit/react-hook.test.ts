// @vitest-environment happy-dom
// useSyncState re-renders a component on every state change, and stops
// listening when it unmounts (React in a happy-dom document).
import { act, createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { describe, expect, it } from 'vitest';
import { MemoryStore, SyncClient } from '../../client/index.ts';
import { useSyncState } from '../../client/react.ts';

// React wants to be told it is under test to flush act() work.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

/** What an Account sync page would show: the phase and the unsent edits. */
function AccountSync({ client }: { client: Parameters<typeof useSyncState>[0] }) {
  const state = useSyncState(client);
  return createElement('p', null, `${state.phase}: ${Object.values(state.unsent).reduce((n, c) => n + c, 0)} unsent`);
}

describe('useSyncState', () => {
  it('renders the state, re-renders on change, and unsubscribes on unmount', async () => {
    const client = new SyncClient({
      baseUrl: 'http://127.0.0.1:1',
      deviceId: 'ipad-1',
      token: () => 'unused',
      accountId: 'acme',
      userId: 'alice',
      store: new MemoryStore(),
    });
    // Counts live subscriptions, to see the component let go when it unmounts.
    let subscribed = 0;
    const observed = {
      getState: client.getState,
      subscribe: (listener: Parameters<typeof client.subscribe>[0]) => {
        subscribed += 1;
        const off = client.subscribe(listener);
        return () => {
          subscribed -= 1;
          off();
        };
      },
    };
    const container = document.createElement('div');
    const root = createRoot(container);
    await act(async () => root.render(createElement(AccountSync, { client: observed })));
    expect(container.textContent).toBe('idle: 0 unsent');

    await act(async () => {
      await client.save('customers', { name: 'Lead' });
      await client.refresh();
    });
    expect(container.textContent).toBe('idle: 1 unsent');

    expect(subscribed).toBe(1);
    await act(async () => root.unmount());
    expect(subscribed).toBe(0);
  });
});
