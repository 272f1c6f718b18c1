// What a use case gets: the services a container holds (stores, clock,
// cursor key, configuration), who is calling, and what the transport knows
// of this request that the use case must respect — room in the response
// for records (a page budget, however the response is encoded) and how long
// it may still run (its deadline). The composition root (functions/deps.ts)
// builds the services; the transport (http/http-handler.ts) adds the rest
// per request. Use cases import only the types.
import type { SyncConfig } from '../config.ts';
import type { Deadline, PageBudget } from '../core/budgets.ts';
import type { RecordsStore } from '../store/records-store.ts';
import type { SyncStateStore } from '../store/sync-state-store.ts';

export type { Deadline };

/** Who is calling: the account (from the token, never the request) and the user. */
export type Caller = { accountId: string; userId: string };

/** The stores, as one request uses them: each call retried within its deadline and stopped at it. */
export type Stores = { records: RecordsStore; syncState: SyncStateStore };

/** What a container holds for its use cases, built once. */
export type Services = Stores & {
  /** The stores for one request, bound to its deadline (the plain ones retry a fixed number of times). */
  withDeadline: (deadline: Deadline) => Stores;
  /** The HMAC key cursors are signed with (throws in a function not configured with one). */
  cursorKey: () => string;
  /** The server clock. */
  now: () => number;
  config: SyncConfig;
};

/** A source of a container's services: synchronous (tests, local) or once per container (Lambda). */
export type ServicesSource = () => Services | Promise<Services>;

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
