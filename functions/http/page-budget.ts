// What fits in one response. Lambda hands API Gateway at most 6 MB of proxy
// result, and the body travels inside it either as an escaped JSON string
// (a quote or a control character in a record costs two to six bytes there)
// or, compressed, as base64. A page is budgeted on what is actually sent:
//
// - plain: each record's escaped size, counted as it is added;
// - compressed: the compressed size, measured with the very encoder the
//   response will go out with. Records are first charged as if they did not
//   compress at all (base64 of their JSON); only when that pessimistic sum
//   would pass the budget are the records not yet measured compressed, as
//   one segment, and charged at what they really take. A small page is
//   never compressed twice; a large one is measured a few times, each byte
//   once, and carries several times what a plain page could (catalogue
//   JSON compresses ~5×), while high-entropy text is still charged in full.
//
// Whatever else the response carries is charged first.
import type { PageBudget } from '../core/budgets.ts';
import { base64Length, compressBody, type ResponseEncoding } from './compression.ts';

/** Lambda's limit on a synchronous invocation's result (and event). */
export const LAMBDA_PAYLOAD_BYTES = 6_291_456;

/** The proxy result's own fields (status, headers, the body's quotes) and the response's fixed keys. */
const ENVELOPE_HEADROOM = 16 * 1024;

/**
 * Plain JSON a compressed page may hold, whatever it compresses to: twice
 * what a plain page can. It bounds the memory and CPU of one response — a
 * 512 MB function has about a third of a vCPU, and such a page is read,
 * serialized and compressed twice (measured, then sent) well inside the
 * 10 s timeout — while pages of big records still take half the round trips.
 */
export const MAX_COMPRESSED_PAGE_PLAIN_BYTES = 12 * 1024 * 1024;

/** Bytes `value` adds to the proxy result once its JSON is escaped into `body`, with a separating comma. */
export function wireCost(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(JSON.stringify(value))) - 1;
}

/**
 * The budget for a response sent in `encoding` (null: plain), less
 * `reserved` bytes (escaped, as wireCost counts them) for its other parts.
 */
export function pageBudget(
  encoding: ResponseEncoding | null,
  reserved = 0,
  total = LAMBDA_PAYLOAD_BYTES - ENVELOPE_HEADROOM,
): PageBudget {
  return encoding === null ? new EscapedBudget(total - reserved) : new CompressedBudget(encoding, total, reserved);
}

class EscapedBudget implements PageBudget {
  constructor(private remaining: number) {}

  take(record: unknown): boolean {
    const cost = wireCost(record);
    if (cost > this.remaining) return false;
    this.remaining -= cost;
    return true;
  }
}

/** What compression may add to incompressible bytes (stored blocks, headers), over-counted. */
const worstCase = (bytes: number) => base64Length(bytes + 64 + Math.ceil(bytes / 1024));

class CompressedBudget implements PageBudget {
  /** Base64 bytes charged for the segments measured so far, the reservation included. */
  private measured: number;
  private unmeasured: Buffer[] = [];
  private unmeasuredBytes = 0;
  private plainBytes = 0;

  constructor(
    private readonly encoding: ResponseEncoding,
    private readonly total: number,
    reserved: number,
  ) {
    this.measured = worstCase(reserved);
  }

  take(record: unknown): boolean {
    const json = Buffer.from(`${JSON.stringify(record)},`);
    if (this.plainBytes + json.length > MAX_COMPRESSED_PAGE_PLAIN_BYTES) return false;
    if (!this.fits(json.length) && this.unmeasuredBytes > 0) this.measure();
    if (!this.fits(json.length)) return false;
    this.unmeasured.push(json);
    this.unmeasuredBytes += json.length;
    this.plainBytes += json.length;
    return true;
  }

  /** Whether `bytes` more fit even if nothing not yet measured compresses. */
  private fits(bytes: number): boolean {
    return this.measured + worstCase(this.unmeasuredBytes + bytes) <= this.total;
  }

  /** Charges the records not yet measured at their compressed size (as one segment, plus its framing). */
  private measure(): void {
    const compressed = compressBody(this.encoding, Buffer.concat(this.unmeasured)).length;
    this.measured += base64Length(compressed + 64);
    this.unmeasured = [];
    this.unmeasuredBytes = 0;
  }
}
