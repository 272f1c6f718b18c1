// Builds the SDK package (npm pack runs it): one ES module per entry point
// with the shared protocol code (../protocol) inside it, and declarations.
// zod and @noble/hashes are dependencies; React, better-sqlite3, RxDB and
// WatermelonDB are the app's (optional peers), each imported only by the
// entry point that uses it, never by the core.
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
  entryPoints: {
    index: 'index.ts',
    react: 'react.ts',
    sqlite: 'sqlite-store.ts',
    rxdb: 'rxdb.ts',
    watermelon: 'watermelon.ts',
  },
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  outdir: 'dist',
  external: ['zod', '@noble/hashes', 'react', 'better-sqlite3', 'rxdb', '@nozbe/watermelondb'],
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
