// What fits in one response. Lambda hands API Gateway at most 6 MB of proxy
// result, and the body travels inside it as an escaped JSON string: a quote
// or a control character in a record costs two to six bytes there. So a page
// is budgeted on exactly that — each record's escaped size, counted as it is
// added — and whatever else the response carries is charged first.

/** Lambda's limit on a synchronous invocation's result (and event). */
export const LAMBDA_PAYLOAD_BYTES = 6_291_456;

/** The proxy result's own fields (status, headers, the body's quotes) and the response's fixed keys. */
const ENVELOPE_HEADROOM = 16 * 1024;

/** Bytes `value` adds to the proxy result once its JSON is escaped into `body`, with a separating comma. */
export function wireCost(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(JSON.stringify(value))) - 1;
}

export class PageBudget {
  private remaining: number;

  /** A budget for one response, less `reserved` bytes the response needs for its other parts. */
  constructor(reserved = 0, total = LAMBDA_PAYLOAD_BYTES - ENVELOPE_HEADROOM) {
    this.remaining = total - reserved;
  }

  /** Takes `cost` bytes if they fit; false (and nothing taken) if they do not. */
  take(cost: number): boolean {
    if (cost > this.remaining) return false;
    this.remaining -= cost;
    return true;
  }
}

/**
 * Bounded work per request: at most this many items evaluated (filtered
 * tombstones included) and this many queries, whatever the account holds.
 * A page may come back short, even empty, with `hasMore: true`.
 */
export const MAX_ITEMS_EVALUATED = 2000;
export const MAX_QUERIES = 32;

export class WorkBudget {
  private items = MAX_ITEMS_EVALUATED;
  private queries = MAX_QUERIES;

  get exhausted(): boolean {
    return this.items <= 0 || this.queries <= 0;
  }

  /** Items the next query may evaluate. */
  get itemsLeft(): number {
    return Math.max(0, this.items);
  }

  spend(evaluated: number): void {
    this.items -= evaluated;
    this.queries -= 1;
  }
}
