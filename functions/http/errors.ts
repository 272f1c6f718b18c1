// Domain errors to HTTP, in one table. Anything that is not a DomainError
// becomes a generic 500 (or 503 when DynamoDB throttled) in http-handler.ts,
// logged with the request id and never serialized.
import type { Issue } from '../../protocol/fields.ts';
import type { ErrorCode } from '../../protocol/responses.ts';

export const statusOf: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  BAD_CURSOR: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  METHOD_NOT_ALLOWED: 405,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** The error body (docs/protocol.md, "Errors and limits"). `extra` adds top-level fields (410 carries the tombstone). */
export function errorBody(code: ErrorCode, message: string, issues?: Issue[], extra?: Record<string, unknown>) {
  return { error: { code, message, ...(issues ? { issues } : {}) }, ...extra };
}
