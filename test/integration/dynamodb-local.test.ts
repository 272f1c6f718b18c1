// `npm start` on a port another DynamoDB Local (or anything) already listens
// on: refused with a message that says what to do, never quietly sharing the
// other one's database.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, startDynamoDbLocal } from '../../dev/dynamodb-local.ts';

describe('DynamoDB Local for npm start', () => {
  it('refuses a port that is already taken, naming DYNAMODB_PORT', async () => {
    const port = await freePort();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      await expect(startDynamoDbLocal({ port })).rejects.toThrow(`port ${port} is already in use`);
      await expect(startDynamoDbLocal({ port })).rejects.toThrow(/DYNAMODB_PORT/);
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });
});
