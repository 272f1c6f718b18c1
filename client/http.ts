// fetch with retries. Every call of the sync API is idempotent (a re-pushed
// version reports `unchanged`, a page can be read twice), so network errors,
// 429, 5xx from the gateway and 503 are retried with exponential backoff and
// full jitter, honouring Retry-After. A body over 1 KiB goes gzip when a
// compressor is at hand: uplink is the scarcest thing on a trade-show link.
import * as z from 'zod';
import { COMPRESS_ABOVE_BYTES } from '../protocol/limits.ts';

export type Fetch = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body?: string | Uint8Array<ArrayBuffer>;
    signal?: AbortSignal;
  },
) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

export type RetryPolicy = {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Injected so tests do not wait. */
  sleep: (ms: number) => Promise<void>;
  random: () => number;
};

export const defaultRetry: RetryPolicy = {
  attempts: 6,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

const RETRYABLE = new Set([429, 500, 502, 503, 504]);

const errorEnvelope = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

/** The API said no (4xx), or kept failing past the retries. */
export class SyncApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'SyncApiError';
  }
}

/** The bearer token; asked again with `refresh: true` once when the API answers 401. */
export type TokenSource = (options?: { refresh?: boolean }) => string | Promise<string>;

export type HttpOptions = {
  baseUrl: string;
  token: TokenSource;
  fetch?: Fetch | undefined;
  retry?: Partial<RetryPolicy> | undefined;
  /** One request's time limit; a hung request is aborted and retried like a network error. */
  timeoutMs?: number | undefined;
  /** Gzips a request body; `null` sends every body plain. Default: `gzipStream` where the platform has it. */
  compress?: Compressor | null | undefined;
};

/** Turns a body's UTF-8 bytes into gzip (RFC 1952) bytes. */
export type Compressor = (body: Uint8Array) => Promise<Uint8Array<ArrayBuffer>>;

/**
 * Gzip through the platform's CompressionStream (browsers, Node 18+, Deno,
 * Bun); undefined where there is none (React Native's Hermes: inject one,
 * e.g. pako's `gzip`).
 */
export const gzipStream: Compressor | undefined =
  typeof CompressionStream === 'function'
    ? async (body) => {
        const stream = new Blob([body as BlobPart]).stream().pipeThrough(new CompressionStream('gzip'));
        return new Uint8Array(await new Response(stream).arrayBuffer());
      }
    : undefined;

/** How long one request may take by default: a page over a slow link, with room. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export function createHttp(options: HttpOptions) {
  const fetchFn: Fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  const retry = { ...defaultRetry, ...options.retry };
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  let compress = options.compress === undefined ? gzipStream : options.compress;

  return async function request<T>(
    method: string,
    path: string,
    schema: z.ZodType<T>,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<T> {
    const json = body === undefined ? undefined : JSON.stringify(body);
    let payload = json === undefined ? undefined : await encodeBody(json, compress);
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      let status: number;
      let text: string;
      let retryAfter: string | null = null;
      // This attempt ends at its timeout or when the caller cancels, whichever comes first.
      const deadline = abortAfter(timeoutMs, signal);
      const attemptSignal = deadline.signal;
      try {
        const response = await fetchFn(options.baseUrl + path, {
          method,
          headers: {
            authorization: `Bearer ${await options.token(refreshed ? { refresh: true } : undefined)}`,
            ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
            ...(payload?.encoding === undefined ? {} : { 'content-encoding': payload.encoding }),
          },
          ...(payload === undefined ? {} : { body: payload.bytes }),
          signal: attemptSignal,
        });
        status = response.status;
        retryAfter = response.headers.get('retry-after');
        text = await response.text();
        deadline.done();
      } catch (error) {
        deadline.done();
        if (signal?.aborted) throw signal.reason ?? error; // cancelled by the caller: no retry
        if (attempt >= retry.attempts) throw error;
        await retry.sleep(backoff(retry, attempt, null));
        continue;
      }
      if (status >= 200 && status < 300) return schema.parse(text === '' ? undefined : JSON.parse(text));
      // An expired token: ask for a fresh one, once, and try again.
      if (status === 401 && !refreshed) {
        refreshed = true;
        continue;
      }
      // Something between us and the API refuses gzip: send this body, and every later one, plain.
      if (status === 415 && payload?.encoding !== undefined && json !== undefined) {
        compress = null;
        payload = { bytes: json };
        continue;
      }
      if (RETRYABLE.has(status) && attempt < retry.attempts) {
        await retry.sleep(backoff(retry, attempt, retryAfter));
        continue;
      }
      const parsed = errorEnvelope.safeParse(safeJson(text));
      if (!parsed.success) throw new SyncApiError(status, 'UNKNOWN', `HTTP ${status}`);
      throw new SyncApiError(status, parsed.data.error.code, parsed.data.error.message, parsed.data.error.issues);
    }
  };
}

export type Request = ReturnType<typeof createHttp>;

/** The body as sent: gzip when there is a compressor, the body is over the threshold and gzip comes out smaller. */
async function encodeBody(
  json: string,
  compress: Compressor | null | undefined,
): Promise<{ bytes: string | Uint8Array<ArrayBuffer>; encoding?: 'gzip' }> {
  if (!compress) return { bytes: json };
  const plain = new TextEncoder().encode(json);
  if (plain.byteLength <= COMPRESS_ABOVE_BYTES) return { bytes: json };
  const packed = await compress(plain);
  return packed.byteLength < plain.byteLength ? { bytes: packed, encoding: 'gzip' } : { bytes: json };
}

function backoff(policy: RetryPolicy, attempt: number, retryAfter: string | null): number {
  const hinted = retryAfter === null ? NaN : Number(retryAfter) * 1000;
  if (Number.isFinite(hinted) && hinted >= 0) return Math.min(hinted, policy.maxDelayMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(policy.random() * ceiling);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A signal that aborts after `ms` or when `outer` does. Built from an
 * AbortController and a timer, not AbortSignal.any/timeout, which React
 * Native's Hermes lacks; `done()` clears the timer.
 */
function abortAfter(ms: number, outer: AbortSignal | undefined): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`the request took longer than ${ms} ms`)), ms);
  const forward = () => controller.abort(outer?.reason);
  if (outer?.aborted) forward();
  else outer?.addEventListener('abort', forward, { once: true });
  return {
    signal: controller.signal,
    done: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', forward);
    },
  };
}
