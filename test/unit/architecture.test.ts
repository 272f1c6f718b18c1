// The shape, checked on the import graph (madge): no import circles; data
// flows one way (core imports no store, http or service; a service never
// speaks HTTP; the store never decides); the wire contract needs no Node API
// (the client imports it); and `cdk synth` loads no handler middleware.
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import madge from 'madge';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const options = { fileExtensions: ['ts'], tsConfig: join(ROOT, 'tsconfig.json'), baseDir: ROOT };
const graph = await madge(
  ['bin', 'lib', 'functions', 'protocol', 'dev', 'client'].map((d) => join(ROOT, d)),
  options,
);
const edges = graph.obj();

/** Files under `from` that import a file under `to`. */
const importing = (from: string, to: string) =>
  Object.entries(edges).flatMap(([file, deps]) =>
    file.startsWith(from) ? deps.filter((d) => normalize(d).startsWith(to)).map((d) => `${file} → ${d}`) : [],
  );

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

  it('the wire contract uses no Node API (the client imports it)', () => {
    for (const file of Object.keys(edges).filter((f) => f.startsWith('protocol/') && !f.endsWith('openapi-file.ts'))) {
      expect(readFileSync(join(ROOT, file), 'utf8'), file).not.toMatch(/from 'node:|Buffer\./);
    }
  });

  it('`cdk synth` loads neither middy nor Powertools', async () => {
    const app = await madge(join(ROOT, 'bin/cdk.ts'), { ...options, includeNpm: true });
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
