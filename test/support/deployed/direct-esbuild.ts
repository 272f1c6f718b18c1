// CDK bundles each function by spawning `npx --no-install esbuild …`, and
// npm's own start-up costs one to three seconds of CPU a function on a
// 2-core machine: four to eight times the bundling itself, and most of a
// synthesis. While `work` runs, an `npx` first on PATH runs the project's
// own esbuild (what `npx --no-install esbuild` resolves to) with the very
// same arguments, and hands any other call to the real npx: the same bundles,
// without npm in between.
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
      `if [ "$1" = "--no-install" ] && [ "$2" = "esbuild" ]; then shift 2; exec ${quote(ESBUILD)} "$@"; fi`,
      `PATH=${quote(path)} exec npx "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(join(dir, 'npx'), 0o755);
  process.env.PATH = `${dir}:${path}`;
  try {
    return work();
  } finally {
    process.env.PATH = path;
    rmSync(dir, { recursive: true, force: true });
  }
}
