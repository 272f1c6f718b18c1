// A device on the reference SDK, as the bench drives it: a rep's token,
// pages of 1,000, every request counted, and a timeout no slow link reaches.
import { type Fetch, type LocalStore, MemoryStore, SyncClient } from '../client/index.ts';
import { signLocalToken } from '../dev/local-token.ts';

/** gzip: the SDK as it ships; plain: neither compressed pushes nor compressed responses. */
export type Mode = 'gzip' | 'plain';

export async function sdkDevice(options: {
  baseUrl: string;
  jwtSecret: string;
  accountId: string;
  deviceId: string;
  mode: Mode;
  count: { requests: number };
  store?: LocalStore;
}): Promise<SyncClient> {
  const { baseUrl, deviceId, mode, count } = options;
  const token = await signLocalToken(options.jwtSecret, options.accountId, `rep-${deviceId}`);
  const counted: Fetch = (url, init) => {
    count.requests += 1;
    return fetch(
      url,
      mode === 'plain' ? { ...init, headers: { ...init.headers, 'accept-encoding': 'identity' } } : init,
    );
  };
  return new SyncClient({
    baseUrl,
    deviceId,
    token: () => token,
    store: options.store ?? new MemoryStore(),
    fetch: counted,
    pageSize: 1000,
    timeoutMs: 600_000,
    ...(mode === 'plain' ? { compress: null } : {}),
  });
}
