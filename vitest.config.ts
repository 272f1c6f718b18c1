// Two projects: unit (no network, mocked AWS SDK) and integration (one
// DynamoDB Local for the run, started by the global setup; each file's stack
// in a database of its own).
// `npm test` runs both; `npm run test:unit` / `test:integration` one each.
import { defineConfig } from 'vitest/config';

// The global setup (one DynamoDB Local for the run) uses the AWS SDK in this process, before `env` below applies.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export default defineConfig({
  test: {
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
    // What a test prints is shown when it fails, and only then: a failure is the loudest thing on the screen.
    silent: 'passed-only',
    // Child processes (DynamoDB Local, bundles) and native modules (better-sqlite3) are happiest in forks.
    pool: 'forks',
    // The machine this runs on in CI has 2 cores.
    maxWorkers: 2,
    setupFiles: ['test/support/setup.ts'],
    // CI also writes a JSON summary, which .ci/run turns into one closing line.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: '.vitest/results.json' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 30_000,
          // Unit files share a worker's module cache (each mock is reset by the file that makes it): the AWS SDK,
          // aws-cdk-lib and zod are imported once a worker, not once a file.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Files share a worker's module cache too (each starts and stops its own stack, in a database of its own):
          // the server, the SDK and the AWS SDK are imported once a worker (vitest 175 s instead of 222 s here).
          isolate: false,
          globalSetup: ['test/support/global-dynamodb.ts'],
          testTimeout: 120_000,
          // Starting DynamoDB Local (a JVM) and synthesizing the CDK app take a while on 2 cores.
          hookTimeout: 180_000,
          // Synthesized Lambda bundles load with Node's own loader, as in Lambda, not through Vite.
          server: { deps: { external: [/\/cdk\.out\//] } },
        },
      },
    ],
  },
});
