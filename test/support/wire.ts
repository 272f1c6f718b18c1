// What a client sent, as JSON: observers in the property tests read each
// request the SDK makes, and the SDK gzips bodies over 1 KiB.
import { gunzipSync } from 'node:zlib';

export type SentRequest = { method: string; headers?: Record<string, string>; body?: string | Uint8Array };

/** The request's JSON body, inflated if it went gzip; undefined without a body. */
export function sentJson(init: SentRequest): unknown {
  if (init.body === undefined || init.body === '') return undefined;
  if (typeof init.body === 'string') return JSON.parse(init.body);
  const bytes = init.headers?.['content-encoding'] === 'gzip' ? gunzipSync(init.body) : Buffer.from(init.body);
  return JSON.parse(bytes.toString('utf8'));
}
