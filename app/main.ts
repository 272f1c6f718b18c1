// The reference Mobile Sales App in the browser: the client SDK over
// IndexedDB, plain DOM. Sign in (locally: a token from the dev server), work
// with products, customers and orders — offline too (the Offline switch
// makes every request fail as a dead network would) — and open Account sync
// to press Sync Now, see when the account and this device last synced,
// whether each part of the data is up to date, unsent edits, and the edits
// that lost, with what replaced them; and to press Verify, which proves the
// device holds what the backend holds (or repairs what differs).
import './no-eval.ts';
import {
  type DiscardedEdit,
  IndexedDbStore,
  type RepairResult,
  SyncApiError,
  SyncClient,
  type SyncState,
} from '../client/index.ts';
import { type CollectionName, collectionNames } from '../protocol/records.ts';
import { describe, formFields, headingOf, recordFrom, singularOf, valueAt } from './forms.ts';

type View = CollectionName | 'sync';
type Session = { accountId: string; userId: string; token: string };

const $ = <T extends HTMLElement>(selector: string) => document.querySelector(selector) as T;
const main = $('main');
const banner = $('#banner');

let offline = false;
let client: SyncClient | null = null;
let session: Session | null = null;
let view: View = collectionNames[0]!;
/** What the last Verify found, shown on the Account sync page until the next one. */
let verified: { text: string; repaired: RepairResult['records'] } | null = null;

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

function say(message: string, kind: 'info' | 'error' = 'info') {
  banner.textContent = message;
  banner.className = kind;
}

/** A failure, in words a rep understands. */
function explain(error: unknown): string {
  if (error instanceof TypeError)
    return 'You are offline. Your changes are kept on this device and go out when you sync.';
  if (error instanceof SyncApiError) {
    if (error.status === 401) return 'Your session has expired. Sign in again to sync.';
    if (error.status === 503 || error.status === 429)
      return 'The service is busy right now; we retried. Try again in a moment.';
    return `The server refused: ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

async function signIn(accountId: string, userId: string) {
  const response = await fetch('/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accountId, userId }),
  });
  const { token } = (await response.json()) as { token: string };
  session = { accountId, userId, token };
  verified = null;
  const store = await IndexedDbStore.open(`mobile-sales:${accountId}:${userId}`);
  client = new SyncClient({
    baseUrl: location.origin,
    deviceId: deviceId(),
    accountId,
    userId,
    token: () => session?.token ?? '',
    store,
    fetch: (url, init) => network(url, init),
    retry: { attempts: 3, baseDelayMs: 200 },
  });
  client.subscribe(() => {
    if (view === 'sync') void render();
  });
  await client.refresh();
  $('#who').textContent = `${userId} @ ${accountId} · ${deviceId()}`;
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

async function renderList(collection: CollectionName) {
  if (!client) return;
  const records = await client.list(collection);
  const fields = formFields(collection);
  main.innerHTML = `
    <h2>${headingOf(collection)}</h2>
    <form id="create" class="row">
      ${fields.map((f) => `<input name="${f.path}" placeholder="${f.label}" aria-label="${f.label}" type="${f.input}" required>`).join('')}
      <button>Add</button>
    </form>
    <ul class="records">
      ${records
        .map(
          (r) => `<li data-id="${r.id}"><span class="what">${escapeHtml(describe(collection, r))}</span>
            <button data-edit="${r.id}">Edit</button><button data-delete="${r.id}">Delete</button></li>`,
        )
        .join('')}
    </ul>`;
  $('#create').addEventListener('submit', (event) => {
    event.preventDefault();
    void act(async () => {
      await client!.save(collection, recordFrom(collection, formValues(event.target as HTMLFormElement)));
      await render();
    });
  });
  for (const button of main.querySelectorAll<HTMLButtonElement>('[data-delete]')) {
    button.onclick = () =>
      act(async () => {
        await client!.remove(collection, button.dataset.delete!);
        await render();
      });
  }
  for (const button of main.querySelectorAll<HTMLButtonElement>('[data-edit]')) {
    button.onclick = () => {
      const id = button.dataset.edit!;
      const record = records.find((r) => r.id === id)!;
      const li = button.closest('li')!;
      li.innerHTML = `<form class="row" data-editing="${id}">${fields
        .map(
          (f) =>
            `<input name="${f.path}" aria-label="${f.label}" value="${escapeHtml(String(valueAt(record, f.path) ?? ''))}" type="${f.input}">`,
        )
        .join('')}<button>Save</button></form>`;
      li.querySelector('form')!.addEventListener('submit', (event) => {
        event.preventDefault();
        void act(async () => {
          const { id: _id, updatedAt: _u, updatedBy: _b, ...current } = record;
          await client!.save(collection, {
            ...current,
            ...recordFrom(collection, formValues(event.target as HTMLFormElement)),
            id,
          });
          await render();
        });
      });
    };
  }
}

/** A form's values by field name. */
function formValues(form: HTMLFormElement): (name: string) => string {
  const data = new FormData(form);
  return (name) => String(data.get(name) ?? '');
}

function who(edit: DiscardedEdit): string {
  if (edit.reason === 'deleted') return 'deleted on the backend';
  const by = edit.winner.updatedBy;
  if (by === null) return 'replaced by a newer version (sync to see by whom)';
  return by.deviceId === null ? `replaced by the web (${by.userId})` : `replaced by ${by.deviceId} (${by.userId})`;
}

const time = (ms: number | null) => (ms === null ? 'never' : new Date(ms).toLocaleString());
const clock = (ms: number) =>
  new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const busy = (state: SyncState) => ['pushing', 'pulling', 'verifying', 'repairing'].includes(state.phase);

/** While a Sync Now or a Verify runs: how far it is. */
function progressText(state: SyncState): string {
  if (state.progress) return `page ${state.progress.page} · ${state.progress.pulled} record(s) received`;
  const v = state.verifyProgress;
  if (!v) return '';
  const doing = state.phase === 'repairing' ? 'Repairing' : 'Verifying';
  return `${doing} ${v.collection} (${Math.min(v.done + 1, v.collections)} of ${v.collections}) · ${v.requests} request(s)`;
}

/** Verify; if anything differs, repair it and verify again. */
async function verifyAndRepair(): Promise<void> {
  const found = await client!.verify();
  if (found.matched) {
    verified = { text: `Verified in sync at ${clock(found.serverTime)}.`, repaired: [] };
  } else {
    const repair = await client!.repair(found);
    const n = repair.records.length + repair.rebased;
    const after = repair.after.matched
      ? `Verified in sync at ${clock(repair.after.serverTime)}.`
      : 'Some records still differ: press Verify again, or Sync Now.';
    verified = { text: `${n} record(s) differed, repaired. ${after}`, repaired: repair.records };
  }
  say(verified.text);
}
async function renderSync() {
  if (!client) return;
  const state: SyncState = client.getState();
  const lost = await client.discardedEdits();
  const unsent = Object.entries(state.unsent).filter(([, n]) => n > 0);
  let status = '<p class="muted">Server status unavailable offline.</p>';
  try {
    if (!offline && !busy(state)) {
      const s = await client.status();
      status = `
        <p>Account last synced: <b data-account-sync>${time(s.account.lastSyncAt)}</b>${s.account.lastSyncBy ? ` by ${escapeHtml(s.account.lastSyncBy.deviceId)}` : ''}</p>
        <table class="collections"><tr><th>Part of the data</th><th>On this device</th></tr>
          ${Object.entries(s.collections)
            .map(
              ([c, v]) =>
                `<tr data-collection="${c}"><td>${c}</td><td>${v.pendingChanges === 0 ? 'up to date' : v.pendingChanges === null ? 'not synced yet' : `${v.pendingChanges} pending change(s)`}</td></tr>`,
            )
            .join('')}
        </table>
        <p data-up-to-date="${s.upToDate}">${s.upToDate ? 'Everything from the Main App is on this device.' : 'Changes are waiting: press Sync Now.'}</p>`;
    }
  } catch (error) {
    status = `<p class="error">${escapeHtml(explain(error))}</p>`;
  }
  const progress = state.progress;
  main.innerHTML = `
    <h2>Account sync</h2>
    <button id="sync-now" ${busy(state) ? 'disabled' : ''}>Sync Now</button>
    <button id="verify" ${busy(state) ? 'disabled' : ''}>Verify</button>
    <progress id="progress" max="1" value="${state.phase === 'idle' ? 1 : 0}" ${progress || state.verifyProgress ? '' : 'hidden'}></progress>
    <span id="progress-text">${escapeHtml(progressText(state))}</span>
    <p>This device last synced: <b data-device-sync>${time(state.lastSyncAt)}</b> · last sent changes: ${time(state.lastPushAt)}</p>
    <p>Last verified in sync with the backend: <b data-last-verified>${time(state.lastVerifiedAt)}</b></p>
    ${
      verified === null
        ? ''
        : `<p data-verify-result>${escapeHtml(verified.text)}</p>${
            verified.repaired.length === 0
              ? ''
              : `<ul data-repaired>${verified.repaired
                  .map(
                    (r) =>
                      `<li data-repaired-record="${r.collection}/${r.id}">${r.collection} ${escapeHtml(r.id)}: ${r.change === 'stored' ? "the backend's version stored" : 'removed (the backend no longer has it)'}</li>`,
                  )
                  .join('')}</ul>`
          }`
    }
    ${status}
    <h3>Unsent edits</h3>
    <p data-unsent>${unsent.length === 0 ? 'None.' : unsent.map(([c, n]) => `${c}: ${n}`).join(', ')}</p>
    <h3>Discarded edits</h3>
    ${
      lost.length === 0
        ? '<p data-discarded>None.</p>'
        : `<ul data-discarded>${lost
            .map(
              (
                d,
              ) => `<li data-lost="${d.collection}/${d.id}">Your ${singularOf(d.collection as CollectionName)} “${escapeHtml(String(d.local.name ?? d.id))}”: ${escapeHtml(who(d))}
                <button data-restore="${d.collection}/${d.id}">Restore mine</button><button data-dismiss="${d.collection}/${d.id}">Dismiss</button></li>`,
            )
            .join('')}</ul>`
    }`;
  $('#sync-now').onclick = () =>
    act(async () => {
      const summary = await client!.syncNow();
      say(
        summary.reset
          ? 'This device was away a long time: everything was refreshed from the backend.'
          : `Synced: ${summary.pushed} sent, ${summary.pulled} received in ${summary.pages} page(s).`,
      );
    });
  $('#verify').onclick = () => act(verifyAndRepair);
  for (const button of main.querySelectorAll<HTMLButtonElement>('[data-restore]')) {
    const [collection, id] = button.dataset.restore!.split('/') as [string, string];
    button.onclick = () =>
      act(() => client!.restore(collection, id).then(() => say('Your version is back, to be sent at the next sync.')));
  }
  for (const button of main.querySelectorAll<HTMLButtonElement>('[data-dismiss]')) {
    const [collection, id] = button.dataset.dismiss!.split('/') as [string, string];
    button.onclick = () => act(() => client!.dismiss(collection, id));
  }
}

/** Runs an action of the rep's, showing what went wrong in words. */
async function act(work: () => Promise<unknown>) {
  try {
    await work();
  } catch (error) {
    say(explain(error), 'error');
  }
  await render();
}

let rendering = Promise.resolve();
function render(): Promise<void> {
  rendering = rendering.then(async () => {
    for (const link of document.querySelectorAll<HTMLElement>('nav [data-view]')) {
      link.classList.toggle('active', link.dataset.view === view);
    }
    if (view === 'sync') await renderSync();
    else await renderList(view);
  });
  return rendering;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

$('#sign-in').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = new FormData(event.target as HTMLFormElement);
  void signIn(String(form.get('account')), String(form.get('user'))).catch((error) => say(explain(error), 'error'));
});
$('nav').insertAdjacentHTML(
  'afterbegin',
  collectionNames.map((c) => `<button type="button" data-view="${c}">${headingOf(c)}</button>`).join(''),
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
  say(offline ? 'Offline: changes stay on this device until you sync.' : 'Back online.');
  void render();
};
