// The reference app in a real headless Chromium (Debian's, driven by
// playwright-core): two browser contexts are two devices, the web API is the
// Main App, and the product's rules play out as a rep sees them; a rep
// verifies the device, and after its IndexedDB copy is damaged by hand,
// Verify reports and repairs exactly the damaged records. Screenshots
// of the Account sync page — before and after a Sync Now, with the edits
// the web beat, and after a repair — go to .vitest/screenshots/ (docs/account-sync.png is one). Without Chromium on a developer's machine the file
// is skipped with a loud message; under CI a missing browser fails the run.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appServer } from '../../dev/app-server.ts';
import { signLocalToken } from '../../dev/local-token.ts';
import { type ApiClient, type Stack, startStack, TEST_JWT_SECRET, webProduct } from '../support/local-stack.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
const SHOTS = join(import.meta.dirname, '..', '..', '.vitest', 'screenshots');
if (!haveBrowser) {
  const message = `no Chromium at ${CHROMIUM}: the browser test cannot run. Install it with: apt-get install -y chromium`;
  if (process.env.CI) throw new Error(message);
  console.warn(`\n!!! ${message} (skipping test/integration/app.test.ts)\n`);
}

let stack: Stack;
let browser: Browser;
let account: string;
let web: ApiClient;
beforeAll(async () => {
  if (!haveBrowser) return;
  stack = await startStack({ beside: await appServer(TEST_JWT_SECRET) });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  account = stack.newAccount();
  web = await stack.as(account, 'web-admin');
  mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A device: its own browser context (its own IndexedDB and device id), signed in as `user`. */
async function deviceFor(user: string, of = account): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${stack.api.url}/app/`);
  await signIn(page, user, of);
  return { context, page };
}

async function signIn(page: Page, user: string, of = account) {
  await page.fill('input[aria-label="Account"]', of);
  await page.fill('input[aria-label="User"]', user);
  await page.click('button:has-text("Sign in")');
  await page.waitForSelector('body[data-signed-in]');
  await expect.poll(() => page.textContent('#banner')).toMatch(/Signed in/);
}

const open = (page: Page, view: string) => page.click(`nav button:has-text("${view}")`);
const names = async (page: Page) =>
  (await page.locator('.records .what').allTextContents()).map((t) => t.split(' · ')[0]);
async function syncNow(page: Page) {
  await open(page, 'Account sync');
  await page.click('#sync-now');
  await expect
    .poll(() => page.textContent('#banner'), { timeout: 20_000 })
    .toMatch(/Synced|offline|refused|expired|busy/);
}
async function setOffline(page: Page, offline: boolean) {
  await page.setChecked('#offline', offline);
}
async function editProduct(page: Page, id: string, name: string) {
  await open(page, 'Products');
  await page.click(`li[data-id="${id}"] button:has-text("Edit")`);
  await page.fill(`form[data-editing="${id}"] input[aria-label="Name"]`, name);
  await page.click(`form[data-editing="${id}"] button:has-text("Save")`);
  await page.waitForSelector(`li[data-id="${id}"] .what:has-text("${name}")`);
}

describe.skipIf(!haveBrowser)('the Mobile Sales App in Chromium', () => {
  it("plays the product's rules as a rep sees them", async () => {
    const ipad = await deviceFor('alice');
    await web.put('products', 'p-espresso', webProduct('Espresso machine', 49_900));
    await web.put('products', 'p-grinder', webProduct('Grinder', 19_900));

    // Web changes do not appear until Sync Now.
    await open(ipad.page, 'Products');
    await ipad.page.waitForSelector('ul.records', { state: 'attached' });
    expect(await names(ipad.page)).toStrictEqual([]);
    await open(ipad.page, 'Account sync');
    await ipad.page.waitForSelector('[data-up-to-date]');
    await ipad.page.screenshot({ path: join(SHOTS, 'account-sync-before.png'), fullPage: true });
    await syncNow(ipad.page);
    await ipad.page.waitForSelector('[data-up-to-date="true"]');
    await ipad.page.screenshot({ path: join(SHOTS, 'account-sync-after.png'), fullPage: true });
    await open(ipad.page, 'Products');
    await expect.poll(() => names(ipad.page)).toStrictEqual(['Espresso machine', 'Grinder']);

    // Offline at a trade show: edits stay on the device, and a sync says so in words.
    await setOffline(ipad.page, true);
    await editProduct(ipad.page, 'p-espresso', 'Espresso machine (show price)');
    await editProduct(ipad.page, 'p-grinder', 'Grinder (demo unit)');
    await syncNow(ipad.page);
    expect(await ipad.page.textContent('#banner')).toMatch(/You are offline/);
    expect(await ipad.page.textContent('[data-unsent]')).toMatch(/products: 2/);

    // Meanwhile the web changes the espresso machine and deletes the grinder.
    await new Promise((r) => setTimeout(r, 300));
    await web.put('products', 'p-espresso', webProduct('Espresso machine (web price)', 44_900));
    await web.delete('products', 'p-grinder');

    // Back online, signing in again: login push sends the offline edits and changes nothing shown.
    await setOffline(ipad.page, false);
    await ipad.page.reload();
    await signIn(ipad.page, 'alice');
    await open(ipad.page, 'Products');
    await expect.poll(() => names(ipad.page)).toStrictEqual(['Espresso machine (show price)', 'Grinder (demo unit)']);

    // Sync Now: the web's newer version replaces the rep's edit; the deleted grinder goes, edited or not.
    await syncNow(ipad.page);
    await open(ipad.page, 'Products');
    await expect.poll(() => names(ipad.page)).toStrictEqual(['Espresso machine (web price)']);
    await open(ipad.page, 'Account sync');
    const lost = ipad.page.locator('[data-discarded] li');
    await expect.poll(() => lost.count()).toBe(2);
    expect(await ipad.page.textContent('[data-lost="products/p-espresso"]')).toMatch(
      /replaced by the web \(web-admin\)/,
    );
    expect(await ipad.page.textContent('[data-lost="products/p-grinder"]')).toMatch(/deleted on the backend/);
    await ipad.page.screenshot({ path: join(SHOTS, 'account-sync-discarded.png'), fullPage: true });

    // Restore the rep's price (a new edit over the web's), dismiss the grinder; the next Sync Now sends it.
    await ipad.page.click('[data-restore="products/p-espresso"]');
    await ipad.page.click('[data-dismiss="products/p-grinder"]');
    await expect.poll(() => ipad.page.textContent('[data-discarded]')).toMatch(/None/);
    await syncNow(ipad.page);
    expect((await web.get('products', 'p-espresso')).body.record.name).toBe('Espresso machine (show price)');
    await ipad.page.waitForSelector('[data-up-to-date="true"]');

    // A second device (another rep's browser) gets the rep's restored price at its own Sync Now.
    const android = await deviceFor('bob');
    await syncNow(android.page);
    await open(android.page, 'Products');
    await expect.poll(() => names(android.page)).toStrictEqual(['Espresso machine (show price)']);
    await ipad.context.close();
    await android.context.close();
  }, 120_000);

  it('verifies the device in sync, and repairs exactly the records damaged in its IndexedDB by hand', async () => {
    const shop = stack.newAccount();
    const admin = await stack.as(shop, 'web-admin');
    for (const [id, name] of [
      ['p-1', 'Espresso machine'],
      ['p-2', 'Grinder'],
      ['p-3', 'Milk jug'],
      ['p-4', 'Tamper'],
    ])
      await admin.put('products', id!, webProduct(name!));
    const ipad = await deviceFor('dave', shop);
    await syncNow(ipad.page);
    const verify = async () => {
      await ipad.page.evaluate(() => {
        document.querySelector('#banner')!.textContent = '';
      });
      await ipad.page.click('#verify');
      await expect
        .poll(() => ipad.page.textContent('#banner'), { timeout: 20_000 })
        .toMatch(/Verified in sync|differed|offline|refused/);
      const said = await ipad.page.textContent('#banner');
      await expect.poll(() => ipad.page.textContent('[data-verify-result]')).toBe(said);
      return said;
    };
    expect(await verify()).toMatch(/^Verified in sync at \d\d:\d\d\.$/);
    await expect.poll(() => ipad.page.textContent('[data-last-verified]')).not.toBe('never');

    // Damage the device's copy by hand: one record gone, another an older copy of itself.
    await ipad.page.evaluate(async (name) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      await new Promise<void>((resolve, reject) => {
        const tx = db.transaction('rows', 'readwrite');
        const rows = tx.objectStore('rows');
        rows.delete(['products', 'p-2']);
        const read = rows.get(['products', 'p-3']);
        read.onsuccess = () => {
          const row = read.result;
          const older = row.record.updatedAt - 60_000;
          rows.put({
            ...row,
            record: { ...row.record, updatedAt: older, name: 'Milk jug (old price list)' },
            base: older,
          });
        };
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    }, `mobile-sales:${shop}:dave`);
    await open(ipad.page, 'Products');
    await expect
      .poll(() => names(ipad.page))
      .toStrictEqual(['Espresso machine', 'Milk jug (old price list)', 'Tamper']);

    await open(ipad.page, 'Account sync');
    expect(await verify()).toMatch(/^2 record\(s\) differed, repaired\. Verified in sync at \d\d:\d\d\.$/);
    const repaired = await ipad.page
      .locator('[data-repaired] li')
      .evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.repairedRecord));
    expect(repaired.sort()).toStrictEqual(['products/p-2', 'products/p-3']);
    await ipad.page.screenshot({ path: join(SHOTS, 'account-sync-repaired.png'), fullPage: true });
    await open(ipad.page, 'Products');
    await expect.poll(() => names(ipad.page)).toStrictEqual(['Espresso machine', 'Grinder', 'Milk jug', 'Tamper']);
    await open(ipad.page, 'Account sync');
    expect(await verify()).toMatch(/^Verified in sync at/);
    await ipad.context.close();
  }, 120_000);

  it('says in words when the session has expired', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const expired = await signLocalToken(TEST_JWT_SECRET, account, 'carol', Math.floor(Date.now() / 1000) - 60);
    await page.route('**/dev/token', (route) => route.fulfill({ json: { token: expired } }));
    await page.goto(`${stack.api.url}/app/`);
    await page.fill('input[aria-label="Account"]', account);
    await page.fill('input[aria-label="User"]', 'carol');
    await page.click('button:has-text("Sign in")');
    await page.waitForSelector('body[data-signed-in]');
    await syncNow(page);
    expect(await page.textContent('#banner')).toMatch(/Your session has expired/);
    await context.close();
  }, 60_000);
});
