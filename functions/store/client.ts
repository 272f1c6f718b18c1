// The one DynamoDB client module. Lambdas reuse one client per container;
// the local server and tests point it at DynamoDB Local.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type DocumentClientOptions = {
  /** DynamoDB Local's URL; unset in AWS. */
  endpoint?: string | undefined;
  region?: string | undefined;
  /** SDK attempts before a throttle surfaces as 503. */
  maxAttempts?: number | undefined;
};

export function createDocumentClient(options: DocumentClientOptions = {}): DynamoDBDocumentClient {
  const local = options.endpoint !== undefined;
  const client = new DynamoDBClient({
    ...(local
      ? {
          endpoint: options.endpoint,
          region: options.region ?? 'local',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : options.region
        ? { region: options.region }
        : {}),
    // A big push writes one partition (the account's collection) fast, and a
    // partition takes about 1,000 writes/s: adaptive retries slow this client
    // down when DynamoDB throttles instead of failing the push after 3 tries.
    retryMode: 'adaptive',
    maxAttempts: options.maxAttempts ?? 6,
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** DynamoDB said "slow down" and the SDK's retries did not get through. */
export function isThrottle(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  return (
    name === 'ProvisionedThroughputExceededException' ||
    name === 'ThrottlingException' ||
    name === 'RequestLimitExceeded'
  );
}

export function isConditionalCheckFailed(error: unknown): error is Error & { Item?: Record<string, unknown> } {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
