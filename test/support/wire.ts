// What a client sent, as JSON: observers in the property tests read each
// request the SDK makes, and the SDK gzips bodies over 1 KiB; and the faulty
// network those tests' devices share.
import { gunzipSync } from 'node:zlib';
import type { Fetch, WireRecord } from '../../client/index.ts';

export type SentRequest = { method: string; headers?: Record<string, string>; body?: string | Uint8Array };

/** The request's JSON body, inflated if it went gzip; undefined without a body. */
export function sentJson(init: SentRequest): unknown {
  if (init.body === undefined || init.body === '') return undefined;
  if (typeof init.body === 'string') return JSON.parse(init.body);
  const bytes = init.headers?.['content-encoding'] === 'gzip' ? gunzipSync(init.body) : Buffer.from(init.body);
  return JSON.parse(bytes.toString('utf8'));
}

export type Fault = 'none' | 'duplicate' | 'lostResponse' | 'failBeforeSending';

/**
 * The network of the property tests' devices: each request takes the next of
 * `faults` in turn (never two faults in a row) — sent twice, its answer lost
 * after the server answered, or failing before it left — while `on`. Every
 * push result the server answered is reported with the version it answers,
 * matched as the protocol says: per collection.
 */
export function faultyNetwork(
  faults: Fault[],
  answered: (collection: string, version: WireRecord, status: string) => void,
): { on: boolean; device(): Fetch } {
  let index = 0;
  const note = (init: SentRequest, text: string) => {
    if (init.method !== 'POST' || !init.body) return;
    const sent = sentJson(init) as { changes?: Record<string, WireRecord[]> };
    const body = JSON.parse(text) as { results?: Record<string, { status: string }[]> };
    for (const [collection, list] of Object.entries(body.results ?? {})) {
      list.forEach((result, i) => {
        const version = sent.changes?.[collection]?.[i];
        if (version) answered(collection, version, result.status);
      });
    }
  };
  const network = {
    on: true,
    device(): Fetch {
      let previousFaulted = false;
      return async (url, init) => {
        const fault = network.on && !previousFaulted ? faults[index++ % faults.length]! : 'none';
        previousFaulted = fault !== 'none';
        if (fault === 'failBeforeSending') throw new TypeError('network down');
        if (fault === 'duplicate') note(init, await (await fetch(url, init)).text());
        const response = await fetch(url, init);
        const text = await response.text();
        if (response.status === 200) note(init, text);
        if (fault === 'lostResponse') throw new TypeError('connection reset after the server answered');
        return { status: response.status, headers: response.headers, text: async () => text };
      };
    },
  };
  return network;
}

/** The Main App's request as the property tests send it: `method`, its bearer token, and `body` as JSON when there is one. */
export function webRequest(
  method: string,
  token: string,
  body?: unknown,
): { method: string; headers: Record<string, string>; body?: string } {
  return {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  };
}

/** A rep's action in a property's history: one that failed past its retries is left, and the rep tries again later. */
export async function attempt(work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch {
    // a request that failed past its retries: the rep tries again later
  }
}
