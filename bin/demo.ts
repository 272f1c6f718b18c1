// npm run demo — with `npm start` running, two devices (an iPad and an
// Android phone, each with the reference client) and the Main App (web) play
// every scenario of the seed, printing what each side holds before and after.
import { MemoryStore, SyncClient } from '../client/index.ts';
import { DEFAULT_JWT_SECRET } from '../dev/local-api.ts';
import { signLocalToken } from '../dev/local-token.ts';

const API = process.env.API_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
const account = `demo-${Date.now().toString(36)}`;
const secret = process.env.LOCAL_JWT_SECRET ?? DEFAULT_JWT_SECRET;

type Rec = { id: string; name?: unknown; priceCents?: unknown; deleted?: boolean };

async function web(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: { record?: Rec; records?: Rec[] } }> {
  const token = await signLocalToken(secret, account, 'web-admin');
  const res = await fetch(API + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : {} };
}
const webProduct = (name: string, priceCents: number) => ({
  name,
  sku: name.toUpperCase().replace(/\W+/g, '-'),
  priceCents,
  currency: 'EUR',
});

async function device(deviceId: string, userId: string) {
  const token = await signLocalToken(secret, account, userId);
  return new SyncClient({ baseUrl: API, deviceId, token: () => token, store: new MemoryStore() });
}

const show = (r: Rec | undefined) => (r === undefined ? '—' : `${r.name} €${(Number(r.priceCents) / 100).toFixed(2)}`);
async function snapshot(ipad: SyncClient, android: SyncClient) {
  const list = await web('GET', '/v1/records/products?limit=100');
  const webRecords = new Map((list.json.records ?? []).map((r) => [r.id, r]));
  const ids = new Set([
    ...webRecords.keys(),
    ...(await ipad.list('products')).map((r) => r.id),
    ...(await android.list('products')).map((r) => r.id),
  ]);
  const rows: string[][] = [];
  for (const id of [...ids].sort()) {
    rows.push([
      id,
      show(webRecords.get(id)),
      show((await ipad.get('products', id)) as Rec | undefined),
      show((await android.get('products', id)) as Rec | undefined),
    ]);
  }
  return rows;
}
function table(title: string, rows: string[][]) {
  const header = ['product', 'Main App (web)', 'iPad', 'Android'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' │ ')}`;
  console.log(`\n  ${title}`);
  console.log(line(header));
  console.log(`  ${widths.map((w) => '─'.repeat(w)).join('─┼─')}`);
  for (const r of rows) console.log(line(r));
}
async function scene(title: string, rule: string, ipad: SyncClient, android: SyncClient, act: () => Promise<string[]>) {
  console.log(`\n━━ ${title}\n   seed: ${rule}`);
  table('before', await snapshot(ipad, android));
  const notes = await act();
  for (const n of notes) console.log(`   → ${n}`);
  table('after', await snapshot(ipad, android));
}
// Real time between a device edit and a later web edit: more than request latency,
// which skew correction counts in the device's favour.
const pause = () => new Promise((r) => setTimeout(r, 250));

const health = await fetch(`${API}/v1/health`).catch(() => undefined);
if (!health?.ok) {
  console.error(`No API at ${API}. Start it first: npm start`);
  process.exit(1);
}
console.log(`Mobile Sales Sync demo — account ${account} on ${API}`);
const ipad = await device('ipad-7', 'alice');
const android = await device('android-2', 'bob');

await scene(
  '1. The web sets up the catalogue; both devices press Sync Now',
  'rule 1 — data not on the Mobile App is stored on it',
  ipad,
  android,
  async () => {
    await web('PUT', '/v1/records/products/espresso', webProduct('Espresso machine', 49900));
    await web('PUT', '/v1/records/products/grinder', webProduct('Grinder', 19900));
    await web('PUT', '/v1/records/products/beans', webProduct('Beans 1kg', 2400));
    await ipad.syncNow();
    await android.syncNow();
    return ['web created 3 products', 'iPad Sync Now: stored 3', 'Android Sync Now: stored 3'];
  },
);

await scene(
  '2. Trade show: the web changes a price; the iPad logs in',
  'web changes are NOT synced automatically',
  ipad,
  android,
  async () => {
    await web('PUT', '/v1/records/products/grinder', webProduct('Grinder', 17900));
    const push = await ipad.loginPush();
    return [
      `web lowered the grinder to €179.00`,
      `iPad login push: ${push.pushed} change(s) sent; its catalogue did not move mid-demo`,
    ];
  },
);

await scene(
  '3. The iPad takes an order for a new lead, offline, then logs in',
  'rule 3 — data created on the Mobile App is pushed to the backend',
  ipad,
  android,
  async () => {
    const lead = await ipad.save('customers', { name: 'Roastery Nord', email: 'hi@roastery-nord.example' });
    await ipad.save('orders', {
      customerId: lead,
      status: 'submitted',
      currency: 'EUR',
      lines: [{ productId: 'espresso', quantity: 2, unitPriceCents: 49900 }],
    });
    const push = await ipad.loginPush();
    const seen = await web('GET', `/v1/records/customers/${lead}`);
    return [
      `login push: ${push.results.map((r) => r.status).join(', ')}`,
      `the web now has customer "${seen.json.record?.name}" and the order`,
    ];
  },
);

await scene(
  '4. The iPad edited the beans offline; the web edited them later',
  'rule 2b — backend newer: the mobile change is overridden',
  ipad,
  android,
  async () => {
    await ipad.save('products', { id: 'beans', ...webProduct('Beans 1kg (show price)', 2000) });
    await pause();
    await web('PUT', '/v1/records/products/beans', webProduct('Beans 1kg', 2600));
    const push = await ipad.loginPush();
    await ipad.syncNow();
    return [
      `iPad login push: beans → ${push.results[0]?.status} (kept pending, nothing changed on the iPad)`,
      "iPad Sync Now: the web's beans replace the iPad's edit; the grinder price from scene 2 arrives too",
    ];
  },
);

await scene(
  '5. The Android edits the espresso price after the web did',
  'rule 2a — backend older: the mobile change is pushed to the web',
  ipad,
  android,
  async () => {
    await android.save('products', { id: 'espresso', ...webProduct('Espresso machine', 44900) });
    const push = await android.loginPush();
    return [
      `Android login push: espresso → ${push.results[0]?.status}`,
      'the web shows the Android price; the iPad gets it at its next Sync Now',
    ];
  },
);

await scene(
  '6. The iPad edits the grinder while the web deletes it',
  'rule 2c — deleted on the web: deleted on the Mobile App, edited or not',
  ipad,
  android,
  async () => {
    await ipad.save('products', { id: 'grinder', ...webProduct('Grinder (demo unit)', 15000) });
    await pause();
    const del = await web('DELETE', '/v1/records/products/grinder');
    const iSync = await ipad.syncNow();
    await android.syncNow();
    return [
      `web DELETE grinder → ${del.status}`,
      `iPad Sync Now: pushed its grinder edit, which lost to the deletion; the grinder is deleted on the iPad (${iSync.pages} page)`,
      'Android Sync Now: grinder deleted, beans and espresso updated',
    ];
  },
);

await ipad.syncNow();
console.log('\n━━ 7. Account sync page');
for (const [name, client] of [
  ['iPad', ipad],
  ['Android', android],
] as const) {
  const s = await client.status();
  const pending = Object.entries(s.collections)
    .map(([c, v]) => `${c} ${v.pendingChanges}`)
    .join(', ');
  console.log(
    `   ${name.padEnd(8)} last synced ${new Date(s.device?.lastSyncAt ?? 0).toISOString()} · pending: ${pending} · up to date: ${s.upToDate}`,
  );
}
console.log(`   account  last synced by ${JSON.stringify((await ipad.status()).account.lastSyncBy)}`);

console.log('\n━━ 8. What each device kept of the edits that lost (discarded edits) and its sync state');
for (const [name, client] of [
  ['iPad', ipad],
  ['Android', android],
] as const) {
  const state = await client.refresh();
  const unsent = Object.values(state.unsent).reduce((n, c) => n + c, 0);
  console.log(
    `   ${name.padEnd(8)} ${state.phase} · last sync ${new Date(state.lastSyncAt ?? 0).toISOString()} · unsent edits ${unsent} · discarded ${state.discarded}`,
  );
  for (const lost of await client.discardedEdits()) {
    const by = lost.winner.updatedBy;
    const who =
      by === null ? 'not known yet' : by.deviceId === null ? `the web (${by.userId})` : `${by.deviceId} (${by.userId})`;
    const name = (record: object | null) => String(record !== null && 'name' in record ? record.name : undefined);
    const what = lost.reason === 'deleted' ? 'deleted' : `replaced with "${name(lost.winner.record)}"`;
    console.log(`     ${lost.collection}/${lost.id}: the rep's "${name(lost.local)}" lost — ${what} by ${who}`);
  }
}
