// CDK bundles each function by spawning `npx --no-install esbuild …`, and
// npm's own start-up costs one to three seconds of CPU a function on a
// 2-core machine: four to eight times the bundling itself, and most of a
// synthesis. While `work` runs, an `npx` first on PATH runs the project's
// own esbuild (what `npx --no-install esbuild` resolves to) with the very
// same arguments, and hands any other call to the real npx: the same bundles,
// without npm in between. Quietly: esbuild prints warnings and errors only,
// and CDK's "Bundling asset …" lines are kept back unless the synthesis fails.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ESBUILD = join(import.meta.dirname, '..', '..', '..', 'node_modules', '.bin', 'esbuild');

export function withDirectEsbuild<T>(work: () => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'direct-esbuild-'));
  const path = process.env.PATH ?? '';
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  writeFileSync(
    join(dir, 'npx'),
    [
      '#!/bin/sh',
      `if [ "$1" = "--no-install" ] && [ "$2" = "esbuild" ]; then shift 2; exec ${quote(ESBUILD)} "$@" --log-level=warning; fi`,
      `PATH=${quote(path)} exec npx "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(join(dir, 'npx'), 0o755);
  process.env.PATH = `${dir}:${path}`;
  const write = process.stderr.write;
  const held: string[] = [];
  process.stderr.write = ((chunk: string | Uint8Array) => {
    held.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    return work();
  } catch (error) {
    write.call(process.stderr, held.join(''));
    throw error;
  } finally {
    process.stderr.write = write;
    process.env.PATH = path;
    rmSync(dir, { recursive: true, force: true });
  }
}
