// Builds the SDK package (npm pack runs it): one ES module per entry point
// with the shared protocol code (../protocol) inside it, and declarations.
// zod and @noble/hashes are dependencies; React and better-sqlite3 are the
// app's, for the entry points that use them.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
rmSync(dist, { recursive: true, force: true });

await build({
  absWorkingDir: here,
  entryPoints: { index: 'index.ts', react: 'react.ts', sqlite: 'sqlite-store.ts' },
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  outdir: 'dist',
  external: ['zod', '@noble/hashes', 'react', 'better-sqlite3'],
  sourcemap: true,
  logLevel: 'warning',
});

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.build.json')], { stdio: 'inherit' });

// The sources import each other as `./x.ts`; published declarations say `./x.js`, which every resolver maps to `./x.d.ts`.
const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
for (const file of walk(join(dist, 'types')).filter((f) => f.endsWith('.d.ts'))) {
  writeFileSync(file, readFileSync(file, 'utf8').replace(/(from\s+'\.{1,2}\/[^']+)\.ts'/g, "$1.js'"));
}
