// Typed 4xx errors carry a code and a message meant for the client. Anything
// else becomes a generic 500 (or 503 when DynamoDB throttled) in
// http-handler.ts, logged with the request id and never serialized.
import type { Issue } from '../core/collections.ts';

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'VALIDATION_FAILED'
  | 'BAD_CURSOR'
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'GONE'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL';

const statusOf: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  BAD_CURSOR: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
};

export class HttpError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { issues?: Issue[]; body?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.statusCode = statusOf[code];
  }
}

/** The error body (docs/protocol.md, "Errors and limits"). `body` adds top-level fields (410 carries the tombstone). */
export function errorBody(code: ErrorCode, message: string, issues?: Issue[], body?: Record<string, unknown>) {
  return { error: { code, message, ...(issues ? { issues } : {}) }, ...body };
}
