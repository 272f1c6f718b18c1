// The DynamoDB client of the local server and the tests: DynamoDB Local's
// endpoint, and a stop once the invocation it serves has timed out (as
// Lambda freezes a function at its timeout, no write lands after it).
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../functions/store/client.ts';
import { invocationScope } from './local-api.ts';

export function createLocalDocumentClient(endpoint: string, accessKey?: string): DynamoDBDocumentClient {
  const client = createDocumentClient({ endpoint, localAccessKey: accessKey });
  client.middlewareStack.add(
    (next) => async (args) => {
      if (invocationScope.getStore()?.signal.aborted) throw new Error('the invocation timed out; stopped');
      return next(args);
    },
    { step: 'initialize', name: 'stopAfterTimeout' },
  );
  return client;
}
