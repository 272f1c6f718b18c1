// The limits of the wire protocol, in one place: the server enforces them,
// the client sizes its requests by them, the OpenAPI document states them.
// (docs/protocol.md, "Errors and limits".)

/** Records in one push or Sync Now request, across collections (over it: 413). */
export const MAX_RECORDS_PER_REQUEST = 1000;
/** Largest request body (over it: 413). */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;
/** A serialized record. */
export const MAX_RECORD_BYTES = 64 * 1024;
/** Sync Now `limit`: records a page, when the request does not say. */
export const DEFAULT_PAGE_LIMIT = 500;
export const MAX_PAGE_LIMIT = 1000;
/** Web list `limit` when the request does not say. */
export const DEFAULT_LIST_LIMIT = 100;
/** Verify `parts`: sub-ranges an answer is split into at most, when the request does not say, and at most. */
export const DEFAULT_VERIFY_PARTS = 16;
export const MAX_VERIFY_PARTS = 64;
/** Bodies (request or response) at most this large go uncompressed: gzip would not pay for itself. */
export const COMPRESS_ABOVE_BYTES = 1024;
/** The request headers a browser on the Main App's origin may send (CORS): the SDK gzips large bodies. */
export const CORS_REQUEST_HEADERS = ['authorization', 'content-type', 'content-encoding'];
/**
 * Response headers the Main App's scripts may read across origins (CORS):
 * Retry-After on a 503 (when to retry) and Allow on a 405.
 */
export const CORS_EXPOSED_HEADERS = ['Retry-After', 'Allow'];
/** Longest cursor a request may carry (a Sync Now cursor carries the ids a pass still owes). */
export const MAX_CURSOR_CHARS = 256 * 1024;
