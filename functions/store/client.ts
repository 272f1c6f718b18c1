// The one DynamoDB client module. Lambdas reuse one client per container;
// the local server and tests point it at DynamoDB Local.
//
// Retries are ours, not the SDK's (its client makes one attempt): a throttle
// or a transient failure is tried again with jittered backoff for as long as
// the request's deadline allows — never past it, and never limited by the
// SDK's retry quota, which a client shares across requests (500 tokens, 5 a
// retry: after a throttle burst it left transient errors unretried). Out of
// time or out of retries, the call fails as `DynamoUnavailable`, which the
// transport answers 503 with Retry-After; the deadline's signal aborts a call
// in flight. (docs/design.md, "No 500 for want of time".)
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Deadline } from '../core/budgets.ts';

export type DocumentClientOptions = {
  /** DynamoDB Local's URL; unset in AWS. */
  endpoint?: string | undefined;
  /** DynamoDB Local keeps one database per access key (unless shared): the tests give each stack its own. */
  localAccessKey?: string | undefined;
  region?: string | undefined;
};

export function createDocumentClient(options: DocumentClientOptions = {}): DynamoDBDocumentClient {
  const local = options.endpoint !== undefined;
  const client = new DynamoDBClient({
    ...(local
      ? {
          endpoint: options.endpoint,
          region: options.region ?? 'local',
          credentials: { accessKeyId: options.localAccessKey ?? 'local', secretAccessKey: 'local' },
        }
      : options.region
        ? { region: options.region }
        : {}),
    // One attempt: `dynamoCaller` retries, bounded by the request's deadline.
    maxAttempts: 1,
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** DynamoDB could not take the call within the request's time (throttled, unavailable, or out of time): 503. */
export class DynamoUnavailable extends Error {
  constructor(
    readonly reason: 'throttled' | 'unavailable' | 'out of time',
    options?: { cause?: unknown },
  ) {
    super(`DynamoDB ${reason}`, options);
    this.name = 'DynamoUnavailable';
  }
}

/** Runs DynamoDB calls with retries within a deadline; `pause` waits, if the deadline leaves the time. */
export type DynamoCaller = {
  run<T>(call: (options: { abortSignal?: AbortSignal }) => Promise<T>): Promise<T>;
  pause(ms: number): Promise<void>;
};

export type RetryPolicy = {
  /** Attempts when there is no deadline (tests, scripts); with one, the deadline decides. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Time a call needs at least: no attempt starts with less left. */
  minCallMs: number;
  random: () => number;
};

export const defaultRetry: RetryPolicy = {
  attempts: 8,
  baseDelayMs: 25,
  maxDelayMs: 1000,
  minCallMs: 100,
  random: Math.random,
};

export function dynamoCaller(deadline?: Deadline, policy: RetryPolicy = defaultRetry): DynamoCaller {
  const left = () => (deadline === undefined ? Number.POSITIVE_INFINITY : deadline.remainingMs());
  const pause = async (ms: number) => {
    if (left() < ms + policy.minCallMs) throw new DynamoUnavailable('out of time');
    await sleep(ms, deadline?.signal);
  };
  return {
    pause,
    async run(call) {
      for (let attempt = 1; ; attempt++) {
        if (deadline?.signal.aborted || left() < policy.minCallMs) throw new DynamoUnavailable('out of time');
        try {
          return await call(deadline ? { abortSignal: deadline.signal } : {});
        } catch (error) {
          if (deadline?.signal.aborted || isAbort(error)) throw new DynamoUnavailable('out of time', { cause: error });
          const kind = retryable(error);
          if (kind === null) throw error;
          if (deadline === undefined && attempt >= policy.attempts) throw new DynamoUnavailable(kind, { cause: error });
          // Full jitter: concurrent writers throttled together do not come back together.
          const delay = policy.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
          if (left() < delay + policy.minCallMs) throw new DynamoUnavailable(kind, { cause: error });
          await sleep(delay, deadline?.signal);
        }
      }
    },
  };
}

const THROTTLES = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);
const TRANSIENT = new Set([
  'InternalServerError',
  'ServiceUnavailable',
  'InternalFailure',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TransactionInProgressException',
]);
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND']);

/** Whether a failed call may succeed if tried again, and why it failed: null for anything else. */
export function retryable(error: unknown): 'throttled' | 'unavailable' | null {
  if (!(error instanceof Error)) return null;
  const { name } = error;
  if (THROTTLES.has(name)) return 'throttled';
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
  const code = (error as { code?: string }).code ?? '';
  if (TRANSIENT.has(name) || status >= 500 || NETWORK.has(code)) return 'unavailable';
  return null;
}

/** The deadline's signal stopped the call in flight. */
function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(new DynamoUnavailable('out of time'));
    }
    signal?.addEventListener('abort', aborted, { once: true });
  });
}

export function isConditionalCheckFailed(error: unknown): error is Error & { Item?: Record<string, unknown> } {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
