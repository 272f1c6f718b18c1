// The shape, checked on the import graph (madge) and on the sources: no
// import circles; data flows one way (core imports no store, http or
// service; a service never speaks HTTP; the store never decides); use cases
// depend on their context's types, never on the composition root, and the
// transport (page budgets, compression) stays in http/; the wire contract
// needs no Node API (the client imports it) and writes each route and each
// collection once; the SDK, the app and the benchmark keep to their sides;
// and `cdk synth` loads no handler middleware.
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import madge from 'madge';
import { describe, expect, it } from 'vitest';
import { collectionNames } from '../../protocol/records.ts';
import { apiRoutes } from '../../protocol/routes.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const options = { fileExtensions: ['ts'], tsConfig: join(ROOT, 'tsconfig.json'), baseDir: ROOT };
/**
 * madge parses TypeScript with a typescript-estree that warns, once per
 * `import('…')` type it meets, of a property it reads itself: hundreds of
 * lines of noise around a passing test. Those warnings only are dropped.
 */
async function quietly<T>(work: () => Promise<T>): Promise<T> {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (String(warning).includes('on TSImportType nodes')) return;
    (emit as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return await work();
  } finally {
    process.emitWarning = emit;
  }
}

const graph = await quietly(() =>
  madge(
    ['bin', 'lib', 'functions', 'protocol', 'dev', 'client', 'app', 'bench'].map((d) => join(ROOT, d)),
    options,
  ),
);
const edges = graph.obj();
const files = Object.keys(edges);
const source = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** Files under `from` that import a file under `to`. */
const importing = (from: string, to: string) =>
  Object.entries(edges).flatMap(([file, deps]) =>
    file.startsWith(from) ? deps.filter((d) => normalize(d).startsWith(to)).map((d) => `${file} → ${d}`) : [],
  );

/** Files under `from` that import anything outside `allowed`. */
const importingOutside = (from: string, allowed: string[]) =>
  Object.entries(edges).flatMap(([file, deps]) =>
    file.startsWith(from)
      ? deps.filter((d) => !allowed.some((a) => normalize(d).startsWith(a))).map((d) => `${file} → ${d}`)
      : [],
  );

/** The route entries: functions/<route>.ts, one per route (and the 404). */
const isRouteEntry = (file: string) => /^functions\/[^/]+\.ts$/.test(file);

describe('the import graph', () => {
  it('has no circle', () => {
    expect(graph.circular()).toStrictEqual([]);
  });

  it('flows one way: core → nothing of ours but protocol; service → no http; store → no service', () => {
    for (const layer of ['functions/store', 'functions/service', 'functions/http', 'functions/deps']) {
      expect(importing('functions/core/', layer), `core must not import ${layer}`).toStrictEqual([]);
    }
    expect(importing('functions/service/', 'functions/http')).toStrictEqual([]);
    expect(importing('functions/store/', 'functions/service')).toStrictEqual([]);
    expect(importing('protocol/', 'functions')).toStrictEqual([]);
  });

  it('use cases and the transport depend on the context, not on the composition root (deps.ts)', () => {
    const fromInside = files
      .filter((f) => f.startsWith('functions/') && !isRouteEntry(f))
      .flatMap((f) => (edges[f] ?? []).filter((d) => d === 'functions/deps.ts').map((d) => `${f} → ${d}`));
    expect(fromInside).toStrictEqual([]);
  });

  it('the transport — page budgets, compression — lives in http/: no use case or rule compresses', () => {
    const zlib = files.filter(
      (f) => f.startsWith('functions/') && !f.startsWith('functions/http/') && /from 'node:zlib'/.test(source(f)),
    );
    expect(zlib).toStrictEqual([]);
    expect(importing('functions/core/', 'functions/http')).toStrictEqual([]);
  });

  it('the SDK imports only itself and the wire contract', () => {
    expect(importingOutside('client/', ['client/', 'protocol/'])).toStrictEqual([]);
  });

  it('the reference app uses the SDK through its public entry, and the wire contract', () => {
    expect(importingOutside('app/', ['app/', 'client/index.ts', 'protocol/'])).toStrictEqual([]);
  });

  it('nothing that ships (functions, protocol, client, app, lib) imports the benchmark, the dev stand-ins or the tests', () => {
    for (const shipped of ['functions/', 'protocol/', 'client/', 'app/', 'lib/']) {
      for (const aside of ['bench/', 'dev/', 'test/']) {
        expect(importing(shipped, aside), `${shipped} must not import ${aside}`).toStrictEqual([]);
      }
    }
  });

  it('the wire contract uses no Node API (the client imports it)', () => {
    for (const file of files.filter((f) => f.startsWith('protocol/') && !f.endsWith('openapi-file.ts'))) {
      expect(source(file), file).not.toMatch(/from 'node:|Buffer\./);
    }
  });

  it('`cdk synth` loads neither middy nor Powertools', async () => {
    const app = await quietly(() => madge(join(ROOT, 'bin/cdk.ts'), { ...options, includeNpm: true }));
    const npm = Object.values(app.obj())
      .flat()
      .filter((d) => d.includes('node_modules'));
    expect(npm.filter((d) => /@middy|@aws-lambda-powertools/.test(d))).toStrictEqual([]);
    expect(
      npm.some((d) => d.includes('aws-cdk-lib')),
      'the graph does see npm imports',
    ).toBe(true);
  });
});

describe('each concept is written once', () => {
  /** Shipped sources, less the one file allowed to spell the thing out. */
  const shipped = (except: string) =>
    files.filter((f) => /^(functions|client|app|lib|dev)\//.test(f) && f !== except && !f.includes('/dist/'));

  it("a route's path only in protocol/routes.ts: the server, the SDK and the app build theirs from it", () => {
    const paths = Object.values(apiRoutes).map((r) => r.path);
    const restated = shipped('protocol/routes.ts').flatMap((f) =>
      paths.filter((p) => source(f).includes(`'${p}`) || source(f).includes(`\`${p}`)).map((p) => `${f}: ${p}`),
    );
    expect(restated).toStrictEqual([]);
  });

  it("a collection's name only in protocol/collections.ts: everything else reads the registry", () => {
    // Allowed, each for its reason: the frozen order that reads cursors issued before collections were
    // named (it must not follow the registry); the store contract, where any string is a collection.
    const frozen = ['functions/core/feed.ts', 'client/store-contract.ts'];
    const restated = shipped('protocol/collections.ts')
      .filter((f) => !frozen.includes(f))
      .flatMap((f) =>
        collectionNames.filter((c) => new RegExp(`['"\`]${c}['"\`]`).test(source(f))).map((c) => `${f}: ${c}`),
      );
    expect(restated).toStrictEqual([]);
  });
});
