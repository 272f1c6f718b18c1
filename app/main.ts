// The reference Mobile Sales App in the browser: the client SDK over
// IndexedDB, plain DOM, laid out for a phone first. Sign in (locally: a
// token from the dev server), work with each collection's records — offline
// too (the Offline switch makes every request fail as a dead network would)
// — and open Account sync, first in the navigation on every screen, to press
// Sync Now or Verify and see what the device holds, what it has not sent,
// and which of the rep's edits lost.
import './no-eval.ts';
import { IndexedDbStore, SyncClient } from '../client/index.ts';
import { type CollectionName, collectionNames } from '../protocol/records.ts';
import { headingOf } from './forms.ts';
import { html } from './html.ts';
import { renderRecords } from './records-page.ts';
import { explain, type Message, type Screen, type Session } from './screen.ts';
import { renderSync } from './sync-page.ts';

type View = CollectionName | 'sync';

const $ = <T extends HTMLElement>(selector: string) => document.querySelector(selector) as T;
const main = $('main');
const banner = $('#banner');

let offline = false;
let view: View = 'sync';
let message: Message | null = null;
let screen: Screen | null = null;

/** fetch, unless the Offline switch is on: then it fails as a dead network does. */
const network: typeof fetch = (input, init) =>
  offline ? Promise.reject(new TypeError('Failed to fetch (offline)')) : fetch(input, init);

/** This browser profile's device id, made once. */
function deviceId(): string {
  let id = localStorage.getItem('deviceId');
  if (id === null) {
    id = `browser-${crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36)}`;
    localStorage.setItem('deviceId', id);
  }
  return id;
}

/** The latest news: announced by the status region (aria-live) and shown on the Account sync page. */
function say(text: string, kind: Message['kind'] = 'info', repaired?: Message['repaired']) {
  message = { text, kind, ...(repaired ? { repaired } : {}) };
  banner.textContent = text;
  banner.className = kind;
}

async function act(work: () => Promise<unknown>) {
  try {
    await work();
  } catch (error) {
    say(explain(error), 'error');
  }
  await render();
}

async function signIn(accountId: string, userId: string) {
  const response = await fetch('/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accountId, userId }),
  });
  if (!response.ok) throw new Error(`Sign-in failed (${response.status}). Is the local server running?`);
  const { token } = (await response.json()) as { token: string };
  const session: Session = { accountId, userId, deviceId: deviceId() };
  const store = await IndexedDbStore.open(`mobile-sales:${accountId}:${userId}`);
  const client = new SyncClient({
    baseUrl: location.origin,
    deviceId: session.deviceId,
    accountId,
    userId,
    token: () => token,
    store,
    fetch: (url, init) => network(url, init),
    retry: { attempts: 3, baseDelayMs: 200 },
  });
  screen = { client, session, offline: () => offline, message: () => message, say, act, render };
  message = null;
  client.subscribe(() => {
    if (view === 'sync') void render();
  });
  await client.refresh();
  document.body.dataset.signedIn = 'true';
  // Login push: everything this device changed goes up; nothing shown changes.
  try {
    const { pushed } = await client.loginPush();
    say(pushed > 0 ? `Signed in. ${pushed} change(s) sent.` : 'Signed in.');
  } catch (error) {
    say(`Signed in. ${explain(error)}`, 'error');
  }
  await render();
}

let rendering = Promise.resolve();
/** Draws the current view; keeps the keyboard focus on the same control when it is drawn again. */
function render(): Promise<void> {
  rendering = rendering.then(async () => {
    if (!screen) return;
    document.body.dataset.view = view;
    for (const link of document.querySelectorAll<HTMLElement>('nav [data-view]')) {
      if (link.dataset.view === view) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    const focused = focusKey(document.activeElement);
    main.setAttribute('aria-busy', 'true');
    try {
      if (view === 'sync') await renderSync(screen, main);
      else await renderRecords(screen, main, view);
    } finally {
      main.removeAttribute('aria-busy');
    }
    if (focused && document.activeElement === document.body) {
      // The control was drawn again (or went, as a dismissed edit's buttons do): focus it, or the heading.
      (main.querySelector<HTMLElement>(focused) ?? main.querySelector<HTMLElement>('h2'))?.focus();
    }
  });
  return rendering;
}

/** A selector that finds the focused control of `main` again after it is redrawn. */
function focusKey(element: Element | null): string | null {
  if (!(element instanceof HTMLElement) || !main.contains(element)) return null;
  if (element.id) return `#${CSS.escape(element.id)}`;
  for (const name of ['edit', 'delete', 'restore', 'dismiss']) {
    const value = element.dataset[name];
    if (value !== undefined) return `[data-${name}="${CSS.escape(value)}"]`;
  }
  return null;
}

$('#sign-in').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = new FormData(event.target as HTMLFormElement);
  void signIn(String(form.get('account')), String(form.get('user'))).catch((error) => say(explain(error), 'error'));
});
$('nav').insertAdjacentHTML(
  'beforeend',
  html`${collectionNames.map((c) => html`<button type="button" data-view="${c}">${headingOf(c)}</button>`)}`.text,
);
for (const link of document.querySelectorAll<HTMLElement>('nav [data-view]')) {
  link.onclick = () => {
    view = link.dataset.view as View;
    void render();
  };
}
$<HTMLInputElement>('#offline').onchange = (event) => {
  offline = (event.target as HTMLInputElement).checked;
  document.body.dataset.offline = String(offline);
  say(offline ? 'Offline switch on: nothing is sent or received.' : 'Back online.');
  void render();
};
