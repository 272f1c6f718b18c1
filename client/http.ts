// fetch with retries, and every failure as an error of its kind
// (errors.ts). Every call of the sync API is idempotent (a re-pushed version
// reports `unchanged`, a page can be read twice), so network errors,
// timeouts, 429, 5xx from the gateway and 503 are retried with exponential
// backoff and full jitter, honouring Retry-After. A body over 1 KiB goes
// gzip when a compressor is at hand: uplink is the scarcest thing on a
// trade-show link.
import * as z from 'zod';
import { COMPRESS_ABOVE_BYTES } from '../protocol/limits.ts';
import {
  AuthError,
  CancelledError,
  OfflineError,
  ServerBusyError,
  SyncApiError,
  TimeoutError,
  UnexpectedResponseError,
} from './errors.ts';

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

/** Answered by API Gateway or the service when it is overloaded or between deployments: try again later. */
const BUSY = new Set([429, 502, 503, 504]);
/** Also retried: a 500 may have written part of a push, and the retry reports those records `unchanged`. */
const RETRYABLE = new Set([...BUSY, 500]);

const errorEnvelope = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
/** What API Gateway answers itself (a rejected token, its throttling, an integration failure). */
const gatewayMessage = z.object({ message: z.string() });

/**
 * The bearer token: a string, or a function asked for it before each
 * request — and once more with `refresh: true` when the API answers 401.
 */
export type TokenSource = string | ((options?: { refresh?: boolean }) => string | Promise<string>);

/** The current token from a source; a plain string cannot be refreshed. */
export async function tokenFrom(source: TokenSource, refresh = false): Promise<string> {
  return typeof source === 'string' ? source : source(refresh ? { refresh: true } : undefined);
}

export type HttpOptions = {
  /** The API's origin (and path prefix, if any); a trailing slash is fine. */
  baseUrl: string;
  token: TokenSource;
  fetch?: Fetch | undefined;
  retry?: Partial<RetryPolicy> | undefined;
  /** One request's time limit; a hung request is aborted and retried like a network error. */
  timeoutMs?: number | undefined;
  /** Gzips a request body; `null` sends every body plain. Default: `gzipStream` where the platform has it. */
  compress?: Compressor | null | undefined;
};

/**
 * Turns a body's UTF-8 bytes into gzip (RFC 1952) bytes, at once or as a
 * promise: `(bytes) => pako.gzip(bytes)` is one.
 */
export type Compressor = (body: Uint8Array) => Uint8Array | Promise<Uint8Array>;

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
  // `https://api.example.com/` and `https://api.example.com` are the same API: paths start with a slash.
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
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
      if (signal?.aborted) throw new CancelledError(signal.reason);
      let status: number;
      let text: string;
      let retryAfter: string | null = null;
      // This attempt ends at its timeout or when the caller cancels, whichever comes first.
      const deadline = abortAfter(timeoutMs, signal);
      try {
        const response = await fetchFn(baseUrl + path, {
          method,
          headers: {
            authorization: `Bearer ${await tokenFrom(options.token, refreshed)}`,
            ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
            ...(payload?.encoding === undefined ? {} : { 'content-encoding': payload.encoding }),
          },
          ...(payload === undefined ? {} : { body: payload.bytes }),
          signal: deadline.signal,
        });
        status = response.status;
        retryAfter = response.headers.get('retry-after');
        text = await response.text();
        deadline.done();
      } catch (error) {
        deadline.done();
        if (signal?.aborted) throw new CancelledError(signal.reason); // cancelled by the caller: no retry
        if (attempt >= retry.attempts)
          throw deadline.timedOut() ? new TimeoutError(timeoutMs) : new OfflineError({ cause: error });
        await retry.sleep(backoff(retry, attempt, null));
        continue;
      }
      if (status >= 200 && status < 300) return parseAnswer(schema, status, text);
      // An expired token: ask for a fresh one, once, and try again (a plain string cannot be refreshed).
      if (status === 401 && !refreshed && typeof options.token === 'function') {
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
      throw answeredError(status, text, retryAfter);
    }
  };
}

export type Request = ReturnType<typeof createHttp>;

/** A 2xx answer as the schema says it is, or an UnexpectedResponseError saying how it is not (never quoting it). */
function parseAnswer<T>(schema: z.ZodType<T>, status: number, text: string): T {
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new UnexpectedResponseError(
      status,
      `the answer (HTTP ${status}) is not JSON: a captive portal or a proxy may be in the way (sign in to the network?)`,
    );
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 5).map((i) => ({ path: i.path.join('.'), message: i.code }));
  throw new UnexpectedResponseError(
    status,
    `the answer (HTTP ${status}) is not what the sync API sends, at ${issues.map((i) => i.path || '(body)').join(', ')}`,
    issues,
  );
}

/** An error answer by its kind: auth, busy, the API's own error, or something that is not the API. */
function answeredError(status: number, text: string, retryAfter: string | null): Error {
  const json = safeJson(text);
  const envelope = errorEnvelope.safeParse(json);
  const gateway = gatewayMessage.safeParse(json);
  const code = envelope.success ? envelope.data.error.code : 'UNKNOWN';
  const message = envelope.success
    ? envelope.data.error.message
    : gateway.success
      ? gateway.data.message
      : `HTTP ${status}`;
  if (status === 401) return new AuthError(code, message);
  if (BUSY.has(status)) return new ServerBusyError(status, code, message, retryAfterMs(retryAfter));
  if (envelope.success) return new SyncApiError(status, code, message, envelope.data.error.issues);
  if (gateway.success) return new SyncApiError(status, code, message);
  return new UnexpectedResponseError(status, `HTTP ${status} without the API's error body: is baseUrl the sync API?`);
}

/** The body as sent: gzip when there is a compressor, the body is over the threshold and gzip comes out smaller. */
async function encodeBody(
  json: string,
  compress: Compressor | null | undefined,
): Promise<{ bytes: string | Uint8Array<ArrayBuffer>; encoding?: 'gzip' }> {
  if (!compress) return { bytes: json };
  const plain = new TextEncoder().encode(json);
  if (plain.byteLength <= COMPRESS_ABOVE_BYTES) return { bytes: json };
  const packed = await compress(plain);
  if (packed.byteLength >= plain.byteLength) return { bytes: json };
  // fetch takes bytes over an ArrayBuffer; a compressor may hand back a view of a shared one: copy it then.
  const bytes = packed.buffer instanceof ArrayBuffer ? (packed as Uint8Array<ArrayBuffer>) : new Uint8Array(packed);
  return { bytes, encoding: 'gzip' };
}

/** Retry-After as milliseconds: seconds, or an HTTP date; null when absent or unreadable. */
function retryAfterMs(value: string | null): number | null {
  if (value === null) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function backoff(policy: RetryPolicy, attempt: number, retryAfter: string | null): number {
  const hinted = retryAfterMs(retryAfter);
  if (hinted !== null) return Math.min(hinted, policy.maxDelayMs);
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
function abortAfter(
  ms: number,
  outer: AbortSignal | undefined,
): { signal: AbortSignal; done: () => void; timedOut: () => boolean } {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`the request took longer than ${ms} ms`));
  }, ms);
  const forward = () => controller.abort(outer?.reason);
  if (outer?.aborted) forward();
  else outer?.addEventListener('abort', forward, { once: true });
  return {
    signal: controller.signal,
    done: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', forward);
    },
    timedOut: () => timedOut,
  };
}
