// House defaults for every handler, in one place.
import { fileURLToPath } from 'node:url';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { FUNCTION_TIMEOUT_SECONDS } from '../functions/routes.ts';

export const FUNCTIONS_DIR = fileURLToPath(new URL('../functions/', import.meta.url));

/**
 * The esbuild options CDK bundles with. ESM, minified, one file; the AWS SDK
 * v3 is left to the Lambda runtime (it ships it), which keeps each bundle
 * under 300 KB; everything else (zod, middy, Powertools) is bundled.
 * `module` first so esbuild reads ESM builds and tree-shakes them.
 */
export const BUNDLING = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  externalModules: ['@aws-sdk/*'],
  // Some bundled CommonJS (aws-xray-sdk-core) calls require(): give ESM one.
  banner:
    "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
} as const;

export type SyncFunctionProps = Omit<NodejsFunctionProps, 'entry'> & {
  /** Handler file under functions/. */
  entry: string;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
};

export class SyncFunction extends NodejsFunction {
  /** The function's own role: its grants and nothing else. */
  readonly executionRole: Role;

  constructor(
    scope: Construct,
    id: string,
    { entry, logRetention, removalPolicy, environment, ...props }: SyncFunctionProps,
  ) {
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: logRetention, removalPolicy });
    // A role of its own rather than AWSLambdaBasicExecutionRole, whose logs
    // grant is on every log group: this one may write its own log group only.
    const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    super(scope, id, {
      entry: FUNCTIONS_DIR + entry,
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      // 512 MB: a 1,000-record push validates ~1 MB of JSON and keeps 32
      // writes in flight; Lambda's CPU share grows with memory, and below
      // 512 MB the validation, not DynamoDB, sets the latency.
      memorySize: 512,
      // Well under API Gateway's 29 s, and far under the Sync Now cursor's
      // 120 s lookback window, which must outlast any write in flight.
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS),
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      bundling: { ...BUNDLING, mainFields: [...BUNDLING.mainFields], externalModules: [...BUNDLING.externalModules] },
      environment: { NODE_OPTIONS: '--enable-source-maps', ...environment },
      ...props,
    });
    this.executionRole = role;
  }
}
