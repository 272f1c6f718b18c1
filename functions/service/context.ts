// What a use case gets: the services a container holds (stores, clock,
// cursor key, configuration), who is calling, and what the transport knows
// of this request that the use case must respect — room in the response
// for records (a page budget, however the response is encoded) and how long
// it may still run (its deadline). The composition root (functions/deps.ts)
// builds the services; the transport (http/http-handler.ts) adds the rest
// per request. Use cases import only the types.
import type { SyncConfig } from '../config.ts';
import type { PageBudget } from '../core/budgets.ts';
import type { RecordsStore } from '../store/records-store.ts';
import type { SyncStateStore } from '../store/sync-state-store.ts';

/** Who is calling: the account (from the token, never the request) and the user. */
export type Caller = { accountId: string; userId: string };

/** What a container holds for its use cases, built once. */
export type Services = {
  records: RecordsStore;
  syncState: SyncStateStore;
  /** The HMAC key cursors are signed with (throws in a function not configured with one). */
  cursorKey: () => string;
  /** The server clock. */
  now: () => number;
  config: SyncConfig;
};

/** A source of a container's services: synchronous (tests, local) or once per container (Lambda). */
export type ServicesSource = () => Services | Promise<Services>;

/** How long a request may still run: time left for its work, and a signal that fires when that is up. */
export type Deadline = {
  /** Milliseconds left before the request must start answering. */
  remainingMs: () => number;
  signal: AbortSignal;
};

/** What a response must still carry besides its records: values sent in it, and bytes of other parts. */
export type Reserved = { values?: unknown[]; bytes?: number };

/** One request's context, as a use case sees it. */
export type ServiceContext = Services & {
  caller: Caller;
  /** When the request reached the API (the gateway's clock): the skew correction's reference. */
  receivedAt: number;
  /** Room in this request's response for records, once what is `reserved` has its room. */
  pageBudget: (reserved?: Reserved) => PageBudget;
  deadline: Deadline;
};
