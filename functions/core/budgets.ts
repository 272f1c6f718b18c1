// The budgets a request is held to, as the domain sees them: the room left
// in the response (how it is counted — escaped, compressed — is the
// transport's business: http/page-budget.ts), the work the request may still
// do (DynamoDB items and queries), and the time it may still take.

/** Room in one response for records: `take` adds one if it fits (false, and nothing taken, if not). */
export interface PageBudget {
  take(record: unknown): boolean;
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

/**
 * How long a request may still work: the time left before it must start
 * answering (the function's remaining time less what the response still
 * needs), and a signal that fires when that is up.
 */
export type Deadline = {
  remainingMs: () => number;
  signal: AbortSignal;
};
