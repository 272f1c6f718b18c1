// The RxDB adapter's store keeps the LocalStore contract (client/store-contract.ts),
// over RxDB's memory storage: the suite an adapter author runs, here against ours.
import { afterEach, describe, expect, it } from 'vitest';
import { describeStoreContract } from '../../client/store-contract.ts';
import { openRxdb } from '../support/frameworks.ts';

const open: { close: () => Promise<unknown> }[] = [];
// RxDB's free build allows 13 open collections per process (COL23): each test's database is closed after it.
afterEach(async () => {
  await Promise.all(open.splice(0).map((db) => db.close()));
});

describeStoreContract(
  'RxdbStore',
  async () => {
    const { store, db } = await openRxdb();
    open.push(db);
    return store;
  },
  { describe, it, expect },
);
