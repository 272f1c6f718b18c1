import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { startStack, product } from './test/support/local-stack.ts';
import { LOCAL_TABLES } from './dev/dynamodb-local.ts';
const stack = await startStack();
const floor = async (conc: number, tag: string) => {
  const t = performance.now(); let next = 0;
  await Promise.all(Array.from({ length: conc }, async () => { while (next < 1000) { const i = next++;
    await stack.client.send(new PutCommand({ TableName: LOCAL_TABLES.records, Item: { pk: `floor-${tag}#products`, id: `p${i}`, updatedAt: 1, deleted: false, changedAt: Date.now(), writer: 'x', data: product(`p${i}`, 1) }, ConditionExpression: 'attribute_not_exists(pk)' })); } }));
  return performance.now() - t;
};
for (const c of [1, 16, 32, 64]) console.log('floor conc', c, (await floor(c, `c${c}`)).toFixed(0), 'ms');
for (let k = 0; k < 3; k++) {
  const api = await stack.as(`ours-${k}`);
  const records = Array.from({ length: 1000 }, (_, i) => product(`p${i}`, Date.now()));
  const t = performance.now(); const r = await api.push('ipad-1', { products: records }); console.log('ours', r.status, (performance.now() - t).toFixed(0), 'ms');
}
await stack.stop();
