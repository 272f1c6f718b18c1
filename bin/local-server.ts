// npm start — the whole API on http://localhost:${PORT:-3000}, over DynamoDB
// Local (data under .data/, or --in-memory), through the Lambda handlers.
import { parseArgs } from 'node:util';
import { appServer } from '../dev/app-server.ts';
import { createTables, LOCAL_TABLES, startDynamoDbLocal } from '../dev/dynamodb-local.ts';
import { DEFAULT_JWT_SECRET, startLocalApi } from '../dev/local-api.ts';
import { createLocalDocumentClient } from '../dev/local-client.ts';
import { syncConfigFromEnv } from '../functions/config.ts';
import { buildServices } from '../functions/deps.ts';

const { values: args } = parseArgs({ options: { 'in-memory': { type: 'boolean', default: false } } });
const port = Number(process.env.PORT ?? 3000);
const dynamoPort = Number(process.env.DYNAMODB_PORT ?? 8000);
const dataDir = args['in-memory'] ? undefined : '.data/dynamodb';

const dynamo = await startDynamoDbLocal({ port: dynamoPort, ...(dataDir ? { dataDir } : {}) });
await createTables(dynamo.endpoint);
const services = buildServices({
  client: createLocalDocumentClient(dynamo.endpoint),
  recordsTable: LOCAL_TABLES.records,
  syncStateTable: LOCAL_TABLES.syncState,
  cursorSecret: process.env.CURSOR_SECRET ?? 'local-cursor-secret',
  config: syncConfigFromEnv(process.env),
});
const jwtSecret = process.env.LOCAL_JWT_SECRET ?? DEFAULT_JWT_SECRET;
const api = await startLocalApi({
  services: () => services,
  port,
  host: process.env.HOST ?? '127.0.0.1',
  jwtSecret,
  corsOrigin: process.env.CORS_ORIGIN ?? 'http://localhost:5173',
  beside: await appServer(jwtSecret),
});

console.log(`Mobile Sales Sync API on http://localhost:${api.port}`);
console.log(`The Mobile Sales App: http://localhost:${api.port}/app/`);
console.log(`DynamoDB Local on ${dynamo.endpoint} (${dataDir ? `data in ${dataDir}/` : 'in memory'})`);
console.log('Get a token: npm run token -- --account acme --user alice');
console.log('Ctrl-C stops both.');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the API and DynamoDB Local`);
  await api.close();
  await dynamo.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
