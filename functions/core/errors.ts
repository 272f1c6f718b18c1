// Domain errors: what a use case says went wrong, in the protocol's words
// (its error codes). The HTTP layer maps each code to a status in one table
// (http/errors.ts); nothing below it speaks HTTP.
import type { Issue } from '../../protocol/fields.ts';
import type { SyncedRecord } from '../../protocol/records.ts';
import type { ErrorCode } from '../../protocol/responses.ts';

export type DomainErrorCode = Exclude<ErrorCode, 'INTERNAL'>;

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: {
      issues?: Issue[];
      /** A 410 carries the tombstone. */
      record?: SyncedRecord;
      /** When a retry is worth it (503). */
      retryAfterSeconds?: number;
    } = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const badCursor = () => new DomainError('BAD_CURSOR', 'cursor was not issued by this service for this account');
