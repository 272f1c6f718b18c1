// One Lambda execution environment for the as-deployed test: a fresh Node
// process with exactly the environment the parent gives it, which imports
// the synthesized bundle (cold start) and then serves invocations sent over
// IPC, one at a time, as Lambda does.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const [bundle, handlerPath, timeoutMs, functionName, memoryMb] = process.argv.slice(2);

let handler;
let initError;
try {
  const module = await import(pathToFileURL(bundle).href);
  handler = module[handlerPath.split('.').pop()];
  if (typeof handler !== 'function') initError = `the bundle exports no ${handlerPath}`;
} catch (error) {
  initError = `init failed: ${error?.stack ?? error}`;
}

process.on('message', async ({ id, event }) => {
  if (initError) return process.send({ id, error: initError });
  const deadline = Date.now() + Number(timeoutMs);
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: memoryMb,
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'as-deployed',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    process.send({ id, result: await handler(event, context) });
  } catch (error) {
    process.send({ id, error: `${error?.stack ?? error}` });
  }
});
process.send({ ready: true });
