// What can go wrong, by kind: every error the SDK throws on purpose is a
// SyncError whose `kind` an app switches on to say what happened in words
// (client/README.md, "Errors"). A store's own failure (a full disk, a
// closed database) comes through as the store threw it.
import type { Issue } from '../protocol/fields.ts';

export type SyncErrorKind =
  | 'offline'
  | 'timeout'
  | 'cancelled'
  | 'busy'
  | 'auth'
  | 'api'
  | 'unexpected-response'
  | 'invalid-record'
  | 'no-such-discarded-edit'
  | 'store-owned-by-another'
  | 'store-unavailable'
  | 'configuration';

export abstract class SyncError extends Error {
  abstract readonly kind: SyncErrorKind;
}

/** No connection to the API (no network, DNS, connection refused or reset), on every attempt. */
export class OfflineError extends SyncError {
  readonly kind = 'offline';
  constructor(options?: { cause?: unknown }) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`no connection to the sync API${cause}`, options);
    this.name = 'OfflineError';
  }
}

/** Every attempt took longer than the request's time limit (`timeoutMs`). */
export class TimeoutError extends SyncError {
  readonly kind = 'timeout';
  constructor(readonly timeoutMs: number) {
    super(`the sync API did not answer within ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

/** The app cancelled through its AbortSignal: not a failure (the phase goes back to idle). */
export class CancelledError extends SyncError {
  readonly kind = 'cancelled';
  constructor(readonly reason: unknown) {
    super(`cancelled${reason instanceof Error ? `: ${reason.message}` : ''}`, { cause: reason });
    this.name = 'CancelledError';
  }
}

/**
 * The API answered with an error: `status`, and the protocol's `code`
 * (`BAD_REQUEST`, `BAD_CURSOR`, …; `UNKNOWN` when the answer came from
 * something in front of the API, such as API Gateway's `{"message"}`).
 */
export class SyncApiError extends SyncError {
  readonly kind: 'api' | 'auth' | 'busy' = 'api';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: Issue[],
  ) {
    super(message);
    this.name = 'SyncApiError';
  }
}

/** 401 even after asking the token source for a fresh token: the rep must sign in again. */
export class AuthError extends SyncApiError {
  override readonly kind = 'auth';
  constructor(code: string, message: string) {
    super(401, code, message);
    this.name = 'AuthError';
  }
}

/** 429, 502, 503 or 504 past the retries: try again later — `retryAfterMs` when the answer said when. */
export class ServerBusyError extends SyncApiError {
  override readonly kind = 'busy';
  constructor(
    status: number,
    code: string,
    message: string,
    readonly retryAfterMs: number | null,
  ) {
    super(status, code, message);
    this.name = 'ServerBusyError';
  }
}

/**
 * An answer that is not what the API sends: not JSON (a captive portal's
 * login page, a proxy's error page), or JSON of another shape. `issues`
 * name the paths that did not fit (never their values).
 */
export class UnexpectedResponseError extends SyncError {
  readonly kind = 'unexpected-response';
  constructor(
    readonly status: number,
    message: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
    this.name = 'UnexpectedResponseError';
  }
}

/** A record the app tried to save does not fit its collection's schema, or its collection is unknown: nothing was stored. */
export class InvalidRecordError extends SyncError {
  readonly kind = 'invalid-record';
  constructor(
    readonly collection: string,
    readonly issues: Issue[],
  ) {
    super(`invalid ${collection} record: ${issues.map((i) => `${i.path || '(record)'} ${i.message}`).join('; ')}`);
    this.name = 'InvalidRecordError';
  }
}

/** restore() or dismiss() of an edit that is not among the discarded edits (already restored or dismissed). */
export class NoSuchDiscardedEditError extends SyncError {
  readonly kind = 'no-such-discarded-edit';
  constructor(
    readonly collection: string,
    readonly id: string,
  ) {
    super(`no discarded edit of ${collection} ${id}`);
    this.name = 'NoSuchDiscardedEditError';
  }
}

/** The store holds another account's or user's data: call `reset()` to discard it, or use another store. */
export class StoreOwnedByAnotherError extends SyncError {
  readonly kind = 'store-owned-by-another';
  constructor() {
    super("this device's store belongs to another account or user; reset() discards it");
    this.name = 'StoreOwnedByAnotherError';
  }
}

/** The platform lacks what a store needs (IndexedDB outside a browser, say). */
export class StoreUnavailableError extends SyncError {
  readonly kind = 'store-unavailable';
  constructor(message: string) {
    super(message);
    this.name = 'StoreUnavailableError';
  }
}

/** The client cannot work as set up: no account and user, given or in the token; verify options out of range. */
export class ConfigurationError extends SyncError {
  readonly kind = 'configuration';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}
