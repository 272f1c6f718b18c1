// The Lambda bundles exactly as CDK would upload them: synthesize the app
// (real esbuild bundling) and find each function's asset. The bundle test
// runs them; the benchmark times their import.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from '../lib/app.ts';

export type Bundle = { name: string; file: string; bytes: number };

/** `outdir` should sit inside the repository, so a bundle resolves the AWS SDK (left to the Lambda runtime) from node_modules. */
export function synthBundles(outdir: string): Bundle[] {
  const { app, stack } = buildApp({ outdir });
  app.synth();
  const template = JSON.parse(readFileSync(join(outdir, `${stack.stackName}.template.json`), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: { Code: { S3Key: string } } }>;
  };
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .map(([logicalId, r]) => {
      const file = join(outdir, `asset.${r.Properties.Code.S3Key.replace(/\.zip$/, '')}`, 'index.mjs');
      return { name: logicalId.replace(/[0-9A-F]{8}$/, ''), file, bytes: statSync(file).size };
    });
}
