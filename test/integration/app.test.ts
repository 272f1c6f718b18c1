// The reference app in a real headless Chromium (Debian's, driven by
// playwright-core), held as a rep holds it: a phone, 390 × 844. Two browser
// contexts are two devices, the web API is the Main App, and the product's
// rules play out as a rep sees them; a rep verifies the device, and after
// its IndexedDB copy is damaged by hand, Verify reports and repairs exactly
// the damaged records. On every screen the page is audited: axe-core
// (WCAG 2.1 A and AA: no violation, and no contrast it could not decide),
// every control at least 44 × 44 CSS px where a finger lands on it, every
// control reached by Tab with a visible focus; and nothing the page's
// Content-Security-Policy refused. A product named with U+202E shows that
// what users write cannot reorder what is around it. Screenshots of the
// Account sync page (after the web beat an offline edit, and after a repair)
// at a phone's and a desktop's size go to .vitest/screenshots/ for
// `npm run screenshots`. Without Chromium on a developer's machine the file
// is skipped with a loud message; under CI a missing browser fails the run.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as Axe from 'axe-core';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appServer } from '../../dev/app-server.ts';
import { signLocalToken } from '../../dev/local-token.ts';
import { SCREENSHOT_DIR, screenshotName, type screenshots, viewports } from '../../dev/screenshots.ts';
import { type ApiClient, type Stack, startStack, TEST_JWT_SECRET, webProduct } from '../support/local-stack.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser) {
  const message = `no Chromium at ${CHROMIUM}: the browser test cannot run. Install it with: apt-get install -y chromium`;
  if (process.env.CI) throw new Error(message);
  console.warn(`\n!!! ${message} (skipping test/integration/app.test.ts)\n`);
}
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** How long the app may take to show what an action did (a shared 2-core machine is slow at times). */
const settle = { timeout: 15_000 };
/** A finger's size (WCAG 2.5.5, Apple's and Google's guidance); axe's target-size rule is WCAG 2.2's 24 px. */
const TOUCH = 44;

let stack: Stack;
let browser: Browser;
let account: string;
let web: ApiClient;
/** What each audit found, for the record (written next to the screenshots). */
const audits: { screen: string; violations: number; controls: number; narrowest: Target; shortest: Target }[] = [];
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
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  if (audits.length > 0) writeFileSync(join(SCREENSHOT_DIR, 'audits.json'), JSON.stringify(audits, null, 2));
});

/** A phone: its own browser context (its own IndexedDB and device id), with axe and a CSP watch in every page. */
async function phone(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: viewports.phone,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  // Init scripts come in through the browser, not the page, so the page's CSP still holds for everything else.
  await context.addInitScript({ content: AXE });
  await context.addInitScript(() => {
    const cspViolations: string[] = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      cspViolations.push(`${e.violatedDirective}: ${e.blockedURI}`),
    );
    /** A control as a rep would name it: what it is, its id or name, its data-* attributes, its words. */
    const controlKey = (el: HTMLElement) =>
      [
        el.tagName.toLowerCase(),
        el.id && `#${el.id}`,
        el.getAttribute('name') && `[name=${el.getAttribute('name')}]`,
        ...Object.entries(el.dataset).map(([k, v]) => `[data-${k}=${v}]`),
        el.textContent?.trim() && `"${el.textContent.trim().replace(/\s+/g, ' ')}"`,
      ]
        .filter(Boolean)
        .join('');
    Object.assign(window, { cspViolations, controlKey } satisfies Audit);
  });
  return { context, page: await context.newPage() };
}

/** A device signed in as `user`; `audit` also audits the sign-in screen first. */
async function deviceFor(user: string, of = account, audit = false): Promise<{ context: BrowserContext; page: Page }> {
  const device = await phone();
  await device.page.goto(`${stack.api.url}/app/`);
  if (audit) await audited(device.page, 'sign-in');
  await signIn(device.page, user, of);
  return device;
}

async function signIn(page: Page, user: string, of = account) {
  await page.getByLabel('Account').fill(of);
  await page.getByLabel('User').fill(user);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForSelector('body[data-signed-in]');
  await expect.poll(() => page.textContent('#banner'), settle).toMatch(/Signed in/);
}

const open = (page: Page, view: string) => page.click(`nav button:has-text("${view}")`);
const names = async (page: Page) => page.locator('.records .row .title').allTextContents();
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
async function editProduct(page: Page, id: string, fields: Record<string, string>) {
  await open(page, 'Products');
  await page.click(`li[data-id="${id}"] [data-edit]`);
  const form = page.locator(`form[data-editing="${id}"]`);
  for (const [label, value] of Object.entries(fields)) await form.getByLabel(label).fill(value);
  await form.getByRole('button', { name: 'Save' }).click();
  await page.waitForSelector(`li[data-id="${id}"] [data-edit]`);
}
const noCspViolations = async (page: Page) =>
  expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toStrictEqual([]);

type Target = { control: string; width: number; height: number };
/** What the test puts into every page (an init script) for its audits. */
type Audit = { cspViolations: string[]; controlKey: (el: HTMLElement) => string };

/**
 * Audits the screen as it is: axe-core's WCAG 2.1 A and AA rules (no
 * violation, and no colour contrast left undecided), the touch targets, and
 * the keyboard.
 */
async function audited(page: Page, screen: string): Promise<void> {
  await page.waitForSelector('main:not([aria-busy])', { state: 'attached' });
  const axe = await page.evaluate(async () => {
    // From the top, as a rep opens the screen (a control half scrolled out of view has no decidable background).
    window.scrollTo(0, 0);
    const run = (window as unknown as { axe: typeof Axe }).axe.run;
    const result = await run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations', 'incomplete'],
    });
    const list = (results: Axe.Result[]) =>
      results.flatMap((r) => r.nodes.map((n) => `${r.id} at ${n.target.join(' ')}: ${n.failureSummary ?? r.help}`));
    return {
      violations: list(result.violations),
      undecidedContrast: list(result.incomplete.filter((r) => r.id === 'color-contrast')),
    };
  });
  expect(axe.violations, `axe on ${screen}`).toStrictEqual([]);
  expect(axe.undecidedContrast, `axe on ${screen}: contrast it could not decide`).toStrictEqual([]);

  const targets = await touchTargets(page);
  expect(targets.length, `controls on ${screen}`).toBeGreaterThan(0);
  const small = targets.filter((t) => t.width < TOUCH || t.height < TOUCH);
  expect(small, `touch targets under ${TOUCH} × ${TOUCH} px on ${screen}`).toStrictEqual([]);
  const narrowest = targets.reduce((a, b) => (b.width < a.width ? b : a));
  const shortest = targets.reduce((a, b) => (b.height < a.height ? b : a));

  // Reflow (WCAG 1.4.10): nothing on the screen needs scrolling sideways, the navigation included.
  const sideways = await page.evaluate(() =>
    [document.documentElement, ...document.querySelectorAll<HTMLElement>('body *')]
      .filter((el) => !(el instanceof HTMLInputElement) && el.checkVisibility())
      .filter((el) => el === document.documentElement || ['auto', 'scroll'].includes(getComputedStyle(el).overflowX))
      .filter((el) => el.scrollWidth > el.clientWidth + 1)
      .map((el) => `${el.tagName.toLowerCase()}: ${el.scrollWidth} px wide in ${el.clientWidth}`),
  );
  expect(sideways, `scrolls sideways on ${screen}`).toStrictEqual([]);

  const keyboard = await tabThrough(page);
  expect(keyboard.unreached, `controls Tab never reaches on ${screen}`).toStrictEqual([]);
  expect(keyboard.noVisibleFocus, `controls focused without a visible focus on ${screen}`).toStrictEqual([]);
  audits.push({ screen, violations: axe.violations.length, controls: targets.length, narrowest, shortest });
}

/**
 * Every visible control's hit area at this size: the element's box (a
 * checkbox inside its label counts the label), and the point at its centre
 * must land on it, not on something drawn over it. Links in running text
 * are exempt (WCAG 2.5.5's inline exception).
 */
function touchTargets(page: Page): Promise<Target[]> {
  return page.evaluate(() => {
    const controls = document.querySelectorAll<HTMLElement>(
      'button, input, select, textarea, summary, a[href], [role="switch"], [tabindex]:not([tabindex="-1"])',
    );
    return [...controls]
      .filter((el) => el.checkVisibility() && !(el instanceof HTMLAnchorElement && el.closest('p')))
      .map((el) => {
        const checkable = el instanceof HTMLInputElement && ['checkbox', 'radio'].includes(el.type);
        const area = (checkable && el.closest('label')) || el;
        const box = area.getBoundingClientRect();
        const name = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} "${(el.textContent || el.getAttribute('aria-label') || (el as HTMLInputElement).name || '').trim()}"`;
        area.scrollIntoView({ block: 'center' });
        const now = area.getBoundingClientRect();
        const hit = document.elementFromPoint(now.left + now.width / 2, now.top + now.height / 2);
        const covered = hit === null || !area.contains(hit);
        return {
          control: covered ? `${name} (covered at its centre)` : name,
          width: box.width,
          height: covered ? 0 : box.height,
        };
      });
  });
}

/**
 * Tabs through the page from the top: the controls never focused, and those
 * focused without a visible outline. Controls are known by what they are
 * (see `controlKey`), so a redraw of the page while tabbing loses nothing.
 */
async function tabThrough(page: Page): Promise<{ unreached: string[]; noVisibleFocus: string[] }> {
  const controls = await page.evaluate(() => {
    const { controlKey } = window as unknown as Audit;
    const all = document.querySelectorAll<HTMLElement>(
      'button, input, select, textarea, summary, a[href], [tabindex]:not([tabindex="-1"])',
    );
    // Start from the top of the page: focus a mark before everything, itself out of the Tab order.
    const start = Object.assign(document.createElement('span'), { tabIndex: -1, id: 'audit-start' });
    document.body.prepend(start);
    start.focus();
    return [...all].filter((el) => el.checkVisibility()).map(controlKey);
  });
  const reached = new Set<string>();
  const noVisibleFocus: string[] = [];
  for (let i = 0; i < controls.length + 5; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      if (!(el instanceof HTMLElement) || el === document.body) return null;
      const style = getComputedStyle(el);
      const visible =
        style.outlineStyle !== 'none' &&
        Number.parseFloat(style.outlineWidth) >= 2 &&
        !/^(transparent|rgba\(.*,\s*0\))$/.test(style.outlineColor);
      return { key: (window as unknown as Audit).controlKey(el), visible };
    });
    if (focused === null || reached.has(focused.key)) break;
    reached.add(focused.key);
    if (!focused.visible) noVisibleFocus.push(focused.key);
  }
  await page.evaluate(() => document.querySelector('#audit-start')?.remove());
  return { unreached: controls.filter((key) => !reached.has(key)), noVisibleFocus };
}

/** The Account sync page at a phone's and a desktop's size (the desktop one one image pixel per CSS pixel). */
async function screenshotsOf(page: Page, shot: keyof typeof screenshots) {
  await page.screenshot({ path: join(SCREENSHOT_DIR, screenshotName(shot, 'phone')), fullPage: true });
  await page.setViewportSize(viewports.desktop);
  await audited(page, `${screenshotName(shot, 'desktop')} at 1280 × 800`);
  await page.screenshot({ path: join(SCREENSHOT_DIR, screenshotName(shot, 'desktop')), fullPage: true, scale: 'css' });
  await page.setViewportSize(viewports.phone);
}

/**
 * An element's text as it is laid out, read left to right and line by line:
 * what a sighted rep reads. Text for screen readers only and invisible
 * direction marks are left out.
 */
function seen(page: Page, selector: string): Promise<string> {
  return page.locator(selector).evaluate((root) => {
    const glyphs: { char: string; x: number; line: number }[] = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement?.closest('.sr-only')) continue;
      const text = node.textContent ?? '';
      for (let i = 0; i < text.length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const box = range.getBoundingClientRect();
        // Collapsed white space and bidi controls take no room.
        if (box.width === 0) continue;
        glyphs.push({ char: text[i]!, x: box.left + box.width / 2, line: Math.round(box.top + box.height / 2) });
      }
    }
    const lines = [...new Set(glyphs.map((g) => g.line))].sort((a, b) => a - b);
    return lines
      .map((line) =>
        glyphs
          .filter((g) => Math.abs(g.line - line) < 2)
          .sort((a, b) => a.x - b.x)
          .map((g) => g.char)
          .join(''),
      )
      .join(' ')
      .replace(/\s+/g, ' ')
      .trim();
  });
}

/** Whether `a` is drawn wholly left of `b` (null while the page is being redrawn). */
async function leftOf(page: Page, a: string, b: string): Promise<boolean | null> {
  const [left, right] = await Promise.all([page.locator(a).boundingBox(), page.locator(b).boundingBox()]);
  return left && right && left.x + left.width <= right.x;
}

describe.skipIf(!haveBrowser)('the Mobile Sales App in Chromium, on a phone', () => {
  it("plays the product's rules as a rep sees them, every screen audited", async () => {
    const ipad = await deviceFor('alice', account, true);
    await web.put('products', 'p-espresso', webProduct('Espresso machine', 49_900));
    await web.put('products', 'p-grinder', webProduct('Grinder', 19_900));
    await web.put('customers', 'c-1', { name: 'Café Central', email: 'buyer@cafe.example' });

    // Signed in, the rep lands on Account sync; web changes do not appear until Sync Now.
    await ipad.page.waitForSelector('[data-up-to-date]');
    await audited(ipad.page, 'account sync, before the first sync');
    await open(ipad.page, 'Products');
    await ipad.page.waitForSelector('h2:has-text("Products")');
    expect(await names(ipad.page)).toStrictEqual([]);
    expect(await ipad.page.textContent('main')).toMatch(/No products on this device yet/);
    await syncNow(ipad.page);
    await ipad.page.waitForSelector('[data-up-to-date="true"]');
    expect(await ipad.page.textContent('[data-outcome]')).toMatch(/^Synced at \d\d:\d\d: 0 sent, 3 received\.$/);
    await open(ipad.page, 'Products');
    await expect.poll(() => names(ipad.page), settle).toStrictEqual(['Espresso machine', 'Grinder']);
    await audited(ipad.page, 'products');
    await ipad.page.click('summary:has-text("Add a product")');
    await audited(ipad.page, 'products, the add form open');
    await ipad.page.click('summary:has-text("Add a product")');
    await open(ipad.page, 'Customers');
    await expect.poll(() => names(ipad.page), settle).toStrictEqual(['Café Central']);
    await audited(ipad.page, 'customers');
    await open(ipad.page, 'Orders');
    await ipad.page.waitForSelector('h2:has-text("Orders")');
    await audited(ipad.page, 'orders, none yet');

    // Offline at a trade show: edits stay on the device, and a sync says so in words.
    await setOffline(ipad.page, true);
    await editProduct(ipad.page, 'p-espresso', { Name: 'Espresso machine (show price)' });
    await open(ipad.page, 'Products');
    await ipad.page.click('li[data-id="p-grinder"] [data-edit]');
    await audited(ipad.page, 'products, editing a record, offline');
    const editing = ipad.page.locator('form[data-editing="p-grinder"]');
    await editing.getByLabel('Name').fill('Grinder (demo unit)');
    await editing.getByRole('button', { name: 'Save' }).click();
    await syncNow(ipad.page);
    expect(await ipad.page.textContent('#banner')).toMatch(/You are offline/);
    expect(await ipad.page.textContent('[data-outcome]')).toMatch(/You are offline/);
    expect(await ipad.page.textContent('[data-unsent]')).toMatch(/Products\s*2 edits/);
    await audited(ipad.page, 'account sync, offline with unsent edits');

    // Meanwhile the web changes the espresso machine and deletes the grinder.
    await new Promise((r) => setTimeout(r, 300));
    await web.put('products', 'p-espresso', webProduct('Espresso machine (web price)', 44_900));
    await web.delete('products', 'p-grinder');

    // Back online, signing in again: login push sends the offline edits and changes nothing shown.
    await setOffline(ipad.page, false);
    await ipad.page.reload();
    await signIn(ipad.page, 'alice');
    await open(ipad.page, 'Products');
    await expect
      .poll(() => names(ipad.page), settle)
      .toStrictEqual(['Espresso machine (show price)', 'Grinder (demo unit)']);

    // Sync Now: the web's newer version replaces the rep's edit; the deleted grinder goes, edited or not.
    await syncNow(ipad.page);
    await open(ipad.page, 'Products');
    await expect.poll(() => names(ipad.page), settle).toStrictEqual(['Espresso machine (web price)']);
    await open(ipad.page, 'Account sync');
    const lost = ipad.page.locator('[data-discarded] li');
    await expect.poll(() => lost.count(), settle).toBe(2);
    await expect
      .poll(() => seen(ipad.page, '[data-lost="products/p-espresso"] .title'), settle)
      .toBe('Your product “Espresso machine (show price)”');
    await expect
      .poll(() => seen(ipad.page, '[data-lost="products/p-espresso"] .detail'), settle)
      .toBe('replaced by the web (web-admin)');
    await expect
      .poll(() => seen(ipad.page, '[data-lost="products/p-grinder"] .detail'), settle)
      .toBe('deleted on the backend');
    expect(await ipad.page.textContent('[data-outcome]')).toMatch(
      /^Synced at \d\d:\d\d: 2 sent, \d+ received\. 2 edits of yours lost to a newer version: see Discarded edits\.$/,
    );
    await ipad.page.waitForSelector('[data-up-to-date="true"]');
    await audited(ipad.page, 'account sync, after the web beat two offline edits');
    await screenshotsOf(ipad.page, 'webWon');

    // Restore the rep's price (a new edit over the web's), dismiss the grinder; the next Sync Now sends it.
    await ipad.page.click('[data-restore="products/p-espresso"]');
    await ipad.page.click('[data-dismiss="products/p-grinder"]');
    await expect.poll(() => ipad.page.textContent('[data-discarded]'), settle).toMatch(/None/);
    await syncNow(ipad.page);
    expect((await web.get('products', 'p-espresso')).body.record.name).toBe('Espresso machine (show price)');
    await ipad.page.waitForSelector('[data-up-to-date="true"]');

    // A second device (another rep's browser) gets the rep's restored price at its own Sync Now.
    const android = await deviceFor('bob');
    await syncNow(android.page);
    await open(android.page, 'Products');
    await expect.poll(() => names(android.page), settle).toStrictEqual(['Espresso machine (show price)']);
    await noCspViolations(ipad.page);
    await noCspViolations(android.page);
    await ipad.context.close();
    await android.context.close();
  }, 180_000);

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

    // While a Sync Now runs, the page says how far it is. (The first page is made to say there is
    // more, and the second is held back until the page in between has been seen and audited.)
    let request = 0;
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await ipad.page.route('**/v1/sync/now', async (route) => {
      request += 1;
      if (request === 2) await held;
      const response = await route.fetch();
      const body = await response.json();
      await route.fulfill({ status: response.status(), json: request === 1 ? { ...body, hasMore: true } : body });
    });
    await open(ipad.page, 'Account sync');
    await ipad.page.click('#sync-now');
    await expect.poll(() => ipad.page.textContent('#progress-text'), settle).toBe('Page 1 · 4 records received');
    expect(await ipad.page.getAttribute('#sync-now', 'aria-disabled')).toBe('true');
    await audited(ipad.page, 'account sync, while a Sync Now runs');
    release();
    await expect
      .poll(() => ipad.page.textContent('#banner'), { timeout: 20_000 })
      .toMatch(/^Synced at \d\d:\d\d: 0 sent, \d+ received\.$/);
    await ipad.page.unroute('**/v1/sync/now');
    expect(request).toBe(2);
    const verify = async () => {
      await ipad.page.evaluate(() => {
        document.querySelector('#banner')!.textContent = '';
      });
      await ipad.page.click('#verify');
      await expect
        .poll(() => ipad.page.textContent('#banner'), { timeout: 20_000 })
        .toMatch(/Verified in sync|differed|offline|refused/);
      const said = await ipad.page.textContent('#banner');
      await expect.poll(() => ipad.page.textContent('[data-outcome]'), settle).toBe(said);
      return said;
    };
    expect(await verify()).toMatch(/^Verified in sync at \d\d:\d\d\.$/);
    await expect.poll(() => ipad.page.textContent('[data-last-verified]'), settle).toMatch(/^today at \d\d:\d\d$/);

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
      .poll(() => names(ipad.page), settle)
      .toStrictEqual(['Espresso machine', 'Milk jug (old price list)', 'Tamper']);

    await open(ipad.page, 'Account sync');
    expect(await verify()).toMatch(/^2 records differed and were repaired\. Verified in sync at \d\d:\d\d\.$/);
    const repaired = await ipad.page
      .locator('[data-repaired] li')
      .evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.repairedRecord));
    expect(repaired.sort()).toStrictEqual(['products/p-2', 'products/p-3']);
    await audited(ipad.page, 'account sync, after a repair');
    await screenshotsOf(ipad.page, 'repaired');
    await open(ipad.page, 'Products');
    await expect
      .poll(() => names(ipad.page), settle)
      .toStrictEqual(['Espresso machine', 'Grinder', 'Milk jug', 'Tamper']);
    await open(ipad.page, 'Account sync');
    expect(await verify()).toMatch(/^Verified in sync at/);
    await noCspViolations(ipad.page);
    await ipad.context.close();
  }, 120_000);

  it('isolates what users and the web wrote: a product named with U+202E reverses neither its price nor its row', async () => {
    const shop = stack.newAccount();
    const admin = await stack.as(shop, 'web-admin');
    // Its SKU carries the override too: `SKU-Espresso \u202Eabc`.
    await admin.put('products', 'p-rlo', webProduct('Espresso \u202Eabc', 12_345));
    const ipad = await deviceFor('erin', shop);
    await syncNow(ipad.page);
    await open(ipad.page, 'Products');
    const row = 'li[data-id="p-rlo"]';
    await ipad.page.waitForSelector(row);
    // The override reverses "abc" inside the name, and nothing after it.
    await expect.poll(() => seen(ipad.page, `${row} .title`), settle).toBe('Espresso cba');
    await expect
      .poll(() => seen(ipad.page, `${row} .detail`), settle)
      .toBe('SKU SKU-Espresso cba · Price (cents) 12345');
    await expect.poll(() => leftOf(ipad.page, `${row} [data-edit]`, `${row} [data-delete]`), settle).toBe(true);
    await audited(ipad.page, 'products, a name with U+202E');

    // The rep's edit of it loses to the web's deletion: the discarded edit's words stay in order.
    await setOffline(ipad.page, true);
    await editProduct(ipad.page, 'p-rlo', { 'Price (cents)': '9900' });
    await admin.delete('products', 'p-rlo');
    await setOffline(ipad.page, false);
    await syncNow(ipad.page);
    await ipad.page.waitForSelector('[data-lost="products/p-rlo"]');
    await expect
      .poll(() => seen(ipad.page, '[data-lost="products/p-rlo"] .title'), settle)
      .toBe('Your product “Espresso cba”');
    await expect
      .poll(() => seen(ipad.page, '[data-lost="products/p-rlo"] .detail'), settle)
      .toBe('deleted on the backend');
    const lost = '[data-lost="products/p-rlo"]';
    await expect.poll(() => leftOf(ipad.page, `${lost} [data-restore]`, `${lost} [data-dismiss]`), settle).toBe(true);
    await noCspViolations(ipad.page);
    await ipad.context.close();
  }, 120_000);

  it('says in words when the session has expired', async () => {
    const { context, page } = await phone();
    const expired = await signLocalToken(TEST_JWT_SECRET, account, 'carol', Math.floor(Date.now() / 1000) - 60);
    await page.route('**/dev/token', (route) => route.fulfill({ json: { token: expired } }));
    await page.goto(`${stack.api.url}/app/`);
    await page.getByLabel('Account').fill(account);
    await page.getByLabel('User').fill('carol');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('body[data-signed-in]');
    await syncNow(page);
    expect(await page.textContent('#banner')).toMatch(/Your session has expired/);
    expect(await page.textContent('[data-outcome]')).toMatch(/Your session has expired/);
    await context.close();
  }, 60_000);
});
