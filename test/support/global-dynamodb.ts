// vitest's global setup for the integration tests: one DynamoDB Local for
// the whole run (a JVM takes seconds to start, and twenty of them were a
// minute of the suite), in memory, each test file's stack in a database of
// its own (DynamoDB Local keeps one per access key when not shared), so
// files stay apart and run side by side.
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../dev/dynamodb-local.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's DynamoDB Local (test/support/local-stack.ts gives each stack a database of its own in it). */
    dynamoEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dynamo = await startDynamoDbLocal({ sharedDb: false });
  project.provide('dynamoEndpoint', dynamo.endpoint);
  return () => dynamo.stop();
}
