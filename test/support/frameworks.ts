// The two frameworks the adapters serve, opened as an app would in Node:
// RxDB on its memory storage, WatermelonDB on LokiJS in memory. Each call
// opens a fresh database; close it when done (RxDB allows 13 open
// collections per process).
import { randomUUID } from 'node:crypto';
import { Database as WatermelonDatabase } from '@nozbe/watermelondb';
import lokiModule from '@nozbe/watermelondb/adapters/lokijs/index.js';
import { logger } from '@nozbe/watermelondb/utils/common/index.js';
import { createRxDatabase, type RxDatabase } from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { RxdbStore, rxdbCollections } from '../../client/rxdb.ts';
import { WatermelonStore, watermelonModels, watermelonSchema } from '../../client/watermelon.ts';

export async function openRxdb(): Promise<{ db: RxDatabase; store: RxdbStore }> {
  const db = await createRxDatabase({ name: `replica-${randomUUID()}`, storage: getRxStorageMemory() });
  await db.addCollections(rxdbCollections());
  return { db, store: new RxdbStore(db) };
}

let watermelons = 0;

// A CommonJS module: Node's loader hands its exports object as the default, Vite's its `default` export.
const LokiJSAdapter = ('default' in lokiModule ? lokiModule.default : lokiModule) as typeof lokiModule.default;

/** A WatermelonDB database on LokiJS in memory, with the synced tables; its `[🍉]` logging silenced, no autosave. */
export async function openWatermelon(): Promise<{ db: WatermelonDatabase; store: WatermelonStore }> {
  logger.silence();
  const adapter = new LokiJSAdapter({
    schema: watermelonSchema(),
    useWebWorker: false,
    useIncrementalIndexedDB: false,
    dbName: `replica-${++watermelons}`,
    // In memory there is nothing to save to: Loki's autosave would serialize the whole database every 500 ms
    // and keep the process alive.
    extraLokiOptions: { autosave: false },
  });
  const db = new WatermelonDatabase({ adapter, modelClasses: Object.values(watermelonModels) });
  return { db, store: new WatermelonStore(db) };
}
