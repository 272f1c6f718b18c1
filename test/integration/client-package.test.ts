// The SDK as an app would install it: `npm pack` in client/ builds a
// self-contained package (the protocol code inside it), which a fresh
// TypeScript project with only the DOM library — no Node types — imports and
// type-checks, strict, as do the examples of the README it ships; and which
// runs: one bundle per entry point, no Node API in the core. The tarball is
// packed into a temporary directory, never left in client/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = mkdtempSync(join(tmpdir(), 'client-package-'));
const app = join(work, 'app');
const installed = join(app, 'node_modules', '@mobile-sales-sync', 'client');
let files: string[] = [];
let tarball = '';

beforeAll(() => {
  const packed = execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: join(ROOT, 'client'),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [info] = JSON.parse(packed) as { filename: string; files: { path: string }[] }[];
  files = info!.files.map((f) => f.path);
  tarball = info!.filename;
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', join(work, info!.filename), '-C', installed, '--strip-components=1']);
  // What npm install would bring: the package's dependencies.
  symlinkSync(join(ROOT, 'node_modules', 'zod'), join(app, 'node_modules', 'zod'));
  mkdirSync(join(app, 'node_modules', '@noble'));
  symlinkSync(join(ROOT, 'node_modules', '@noble', 'hashes'), join(app, 'node_modules', '@noble', 'hashes'));
  // What the README's React Native example installs besides.
  symlinkSync(join(ROOT, 'node_modules', 'pako'), join(app, 'node_modules', 'pako'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What the README's examples take as the app's own: its sign-in. */
const APP_CONTEXT = 'declare const auth: { idToken(): Promise<string>; refresh(): Promise<string> };\n';
/** The framework whose adapter an example imports (its example is checked with that framework installed). */
const ADAPTER_ENTRY = /'@mobile-sales-sync\/client\/(rxdb|watermelon)'/;
/** The README's TypeScript examples, as packed, written into `dir` as modules: their file names. */
function readmeExamples(dir: string, keep: (code: string) => boolean): string[] {
  const readme = readFileSync(join(installed, 'README.md'), 'utf8');
  const examples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).filter(keep);
  writeFileSync(join(dir, 'app-context.d.ts'), APP_CONTEXT);
  return [
    'app-context.d.ts',
    ...examples.map((code, i) => {
      writeFileSync(join(dir, `readme-${i + 1}.ts`), code);
      return `readme-${i + 1}.ts`;
    }),
  ];
}

/** `tsc` over `files` of the app, strict, with the DOM library and no Node types: its output (empty: no error). */
function typeCheck(files: string[]): string {
  const config = join(app, 'tsconfig.json');
  writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'bundler',
        lib: ['ES2022', 'DOM'],
        types: [],
        strict: true,
        noEmit: true,
      },
      files,
    }),
  );
  const tsc = createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
  try {
    return execFileSync(process.execPath, [tsc, '-p', config], { encoding: 'utf8' });
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

describe('the client package', () => {
  it('holds its build and nothing else of the repository', () => {
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/types/client/index.d.ts');
    expect(files).toContain('dist/types/protocol/collections.d.ts');
    expect(files.filter((f) => !f.startsWith('dist/') && !['package.json', 'README.md'].includes(f))).toStrictEqual([]);
    const core = readFileSync(join(installed, 'dist', 'index.js'), 'utf8');
    expect(core).not.toMatch(/from\s+["']node:|require\(/);
    expect(core, 'the protocol code is inside').toMatch(/ID_PATTERN|unknown collection/);
  });

  it('leaves no tarball to commit: one packed in client/ is ignored', () => {
    expect(() => execFileSync('git', ['check-ignore', '-q', join('client', tarball)], { cwd: ROOT })).not.toThrow();
  });

  it("type-checks, strict, in a fresh project with the DOM library and no Node types: an app, and the README's examples", () => {
    writeFileSync(
      join(app, 'app.ts'),
      `import { IndexedDbStore, type SyncState, SyncClient, type DiscardedEdit } from '@mobile-sales-sync/client';
export async function start(token: string): Promise<SyncState> {
  const store = await IndexedDbStore.open('mobile-sales');
  const sync = new SyncClient({ baseUrl: 'https://api.example.com', deviceId: 'ipad-7', token: () => token, store });
  sync.subscribe((state) => document.title = state.phase);
  await sync.save('customers', { name: 'Roastery Nord' });
  const lost: DiscardedEdit[] = await sync.discardedEdits();
  if (lost[0]?.winner.updatedBy?.deviceId === null) await sync.dismiss(lost[0].collection, lost[0].id);
  return sync.getState();
}
`,
    );
    // The README as packed: each of its TypeScript examples a module of the app (an adapter's, with its framework).
    const readmeFiles = readmeExamples(app, (code) => !ADAPTER_ENTRY.test(code));
    expect(readmeFiles.length - 1, 'the quick start, discarded edits, errors, React Native').toBeGreaterThanOrEqual(4);
    expect(typeCheck(['app.ts', ...readmeFiles])).toBe('');
  });

  it('runs: a client over the memory store, from the installed bundle', async () => {
    const sdk = (await import(
      pathToFileURL(join(installed, 'dist', 'index.js')).href
    )) as typeof import('../../client/index.ts');
    const client = new sdk.SyncClient({
      baseUrl: 'http://127.0.0.1:1',
      deviceId: 'ipad-7',
      token: () => 'unused',
      accountId: 'acme',
      userId: 'alice',
      store: new sdk.MemoryStore(),
    });
    await client.save('products', { name: 'Grinder', sku: 'GR-2', priceCents: 17900, currency: 'EUR' });
    expect((await client.refresh()).unsent).toStrictEqual({ products: 1 });
    // @ts-expect-error an unknown collection: refused by the types, and at run time for an app in plain JavaScript
    await expect(client.save('prodcts', {})).rejects.toThrow(sdk.InvalidRecordError);
    expect(readdirSync(join(installed, 'dist'))).toEqual(expect.arrayContaining(['index.js', 'react.js', 'sqlite.js']));
  });
});

// With each framework: a fresh project that has only that framework installed (and the core's dependencies)
// type-checks an app using the adapter against the framework's real types, and runs it in Node.
describe.each([
  {
    framework: 'RxDB',
    entry: 'rxdb',
    packages: ['rxdb', 'rxjs'],
    // rxdb's declarations use Symbol.asyncDispose.
    lib: ['ES2022', 'ESNext.Disposable', 'DOM'],
    app: `import { type DiscardedEdit, SyncClient } from '@mobile-sales-sync/client';
import { RxdbStore, type RxdbSyncCollections, recordOf, rxdbCollections } from '@mobile-sales-sync/client/rxdb';
import { createRxDatabase } from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';

export async function start(token: string): Promise<DiscardedEdit[]> {
  const db = await createRxDatabase<RxdbSyncCollections>({ name: 'mobile-sales', storage: getRxStorageMemory() });
  await db.addCollections(rxdbCollections());
  const sync = new SyncClient({ baseUrl: 'https://api.example.com', deviceId: 'ipad-7', token: () => token, store: new RxdbStore(db) });
  db.products.find({ sort: [{ name: 'asc' }] }).$.subscribe((docs) => {
    const names: string[] = docs.map((doc) => recordOf(doc).name);
    document.title = names.join(', ');
  });
  await sync.save('customers', { name: 'Roastery Nord' });
  await sync.loginPush();
  await sync.syncNow();
  return sync.discardedEdits();
}
`,
    run: `import { SyncClient } from '@mobile-sales-sync/client';
import { RxdbStore, recordOf, rxdbCollections } from '@mobile-sales-sync/client/rxdb';
import { createRxDatabase } from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
const db = await createRxDatabase({ name: 'mobile-sales', storage: getRxStorageMemory() });
await db.addCollections(rxdbCollections());
const sync = new SyncClient({ baseUrl: 'http://127.0.0.1:1', deviceId: 'ipad-7', token: () => 'unused', accountId: 'acme', userId: 'alice', store: new RxdbStore(db) });
await sync.save('products', { id: 'p1', name: 'Grinder', sku: 'GR-2', priceCents: 17900, currency: 'EUR' });
const shown = (await db.products.find().exec()).map((doc) => recordOf(doc).name);
console.log(JSON.stringify({ shown, unsent: (await sync.refresh()).unsent }));
await db.close();
`,
  },
  {
    framework: 'WatermelonDB',
    entry: 'watermelon',
    packages: ['@nozbe/watermelondb'],
    lib: ['ES2022', 'DOM'],
    app: `import { type DiscardedEdit, SyncClient } from '@mobile-sales-sync/client';
import { recordOf, WatermelonStore, watermelonModels, watermelonSchema } from '@mobile-sales-sync/client/watermelon';
import { Database, Q } from '@nozbe/watermelondb';
import LokiJSAdapter from '@nozbe/watermelondb/adapters/lokijs';

export async function start(token: string): Promise<DiscardedEdit[]> {
  const adapter = new LokiJSAdapter({ schema: watermelonSchema(), useWebWorker: false, useIncrementalIndexedDB: true });
  const database = new Database({ adapter, modelClasses: Object.values(watermelonModels) });
  const sync = new SyncClient({ baseUrl: 'https://api.example.com', deviceId: 'ipad-7', token: () => token, store: new WatermelonStore(database) });
  database.get('products').query(Q.sortBy('name')).observe().subscribe((rows) => {
    const names: string[] = rows.map((row) => recordOf('products', row).name);
    document.title = names.join(', ');
  });
  await sync.save('customers', { name: 'Roastery Nord' });
  await sync.loginPush();
  await sync.syncNow();
  return sync.discardedEdits();
}
`,
    run: `import { SyncClient } from '@mobile-sales-sync/client';
import { recordOf, WatermelonStore, watermelonModels, watermelonSchema } from '@mobile-sales-sync/client/watermelon';
import { Database } from '@nozbe/watermelondb';
import lokijs from '@nozbe/watermelondb/adapters/lokijs/index.js';
import { logger } from '@nozbe/watermelondb/utils/common/index.js';
logger.silence();
const adapter = new lokijs.default({ schema: watermelonSchema(), useWebWorker: false, useIncrementalIndexedDB: false, extraLokiOptions: { autosave: false } });
const database = new Database({ adapter, modelClasses: Object.values(watermelonModels) });
const sync = new SyncClient({ baseUrl: 'http://127.0.0.1:1', deviceId: 'ipad-7', token: () => 'unused', accountId: 'acme', userId: 'alice', store: new WatermelonStore(database) });
await sync.save('products', { id: 'p1', name: 'Grinder', sku: 'GR-2', priceCents: 17900, currency: 'EUR' });
const shown = (await database.get('products').query().fetch()).map((row) => recordOf('products', row).name);
console.log(JSON.stringify({ shown, unsent: (await sync.refresh()).unsent }));
`,
  },
])('the client package with $framework', ({ entry, packages, lib, app: source, run }) => {
  const project = join(work, `app-${entry}`);
  beforeAll(() => {
    const here = join(project, 'node_modules', '@mobile-sales-sync', 'client');
    mkdirSync(here, { recursive: true });
    execFileSync('tar', [
      '-xzf',
      join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!),
      '-C',
      here,
      '--strip-components=1',
    ]);
    for (const name of ['zod', '@noble/hashes', ...packages]) {
      mkdirSync(dirname(join(project, 'node_modules', name)), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', name), join(project, 'node_modules', name));
    }
  });

  it('exports its entry point, and the core bundle imports no framework', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      exports: Record<string, { types: string; default: string }>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional: boolean }>;
    };
    expect(manifest.exports[`./${entry}`]).toStrictEqual({
      types: `./dist/types/client/${entry}.d.ts`,
      default: `./dist/${entry}.js`,
    });
    const peer = packages[0]!;
    expect(manifest.peerDependencies[peer], `${peer} is a peer`).toBeDefined();
    expect(manifest.peerDependenciesMeta[peer]?.optional, `${peer} is an optional peer`).toBe(true);
    expect(readFileSync(join(installed, 'dist', 'index.js'), 'utf8')).not.toMatch(/from\s+["'](rxdb|@nozbe)/);
  });

  it('type-checks an app that uses it, and the README’s example, against the framework’s own types', () => {
    const readmeFiles = readmeExamples(project, (code) => code.includes(`'@mobile-sales-sync/client/${entry}'`));
    expect(readmeFiles.length - 1, 'the README has an example').toBe(1);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'bundler',
          lib,
          types: [],
          strict: true,
          noEmit: true,
        },
        files: ['app.ts', ...readmeFiles],
      }),
    );
    writeFileSync(join(project, 'app.ts'), source);
    const tsc = createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
    let out = '';
    try {
      out = execFileSync(process.execPath, [tsc, '-p', join(project, 'tsconfig.json')], { encoding: 'utf8' });
    } catch (error) {
      out = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(out).toBe('');
  });

  it('runs in Node: an edit saved through the SDK is a record the framework shows', () => {
    writeFileSync(join(project, 'run.mjs'), run);
    const out = execFileSync(process.execPath, [join(project, 'run.mjs')], {
      cwd: project,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toStrictEqual({ shown: ['Grinder'], unsent: { products: 1 } });
  });
});
