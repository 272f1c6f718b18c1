// The Account sync page, the one the product is about: Sync Now (with its
// progress and, after it, the outcome in words) and Verify next to it; the
// edits that lost, each with Restore and Dismiss; whether each part of the
// data is up to date; unsent edits; and when the device and the account
// last synced.
import type { DiscardedEdit, SyncState, SyncStatus } from '../client/index.ts';
import type { CollectionName } from '../protocol/records.ts';
import { headingOf, recordTitle, singularOf } from './forms.ts';
import { html, setHtml, user } from './html.ts';
import { capitalized, clock, count, explain, type Screen, when } from './screen.ts';

const busy = (state: SyncState) => ['pushing', 'pulling', 'verifying', 'repairing'].includes(state.phase);

export async function renderSync(screen: Screen, main: HTMLElement): Promise<void> {
  const { client, session } = screen;
  const state = client.getState();
  const lost = await client.discardedEdits();
  const unsent = Object.entries(state.unsent).filter(([, n]) => n > 0);
  let status: SyncStatus | null = null;
  let statusError: string | null = screen.offline() ? 'Not available while offline.' : null;
  if (!screen.offline() && !busy(state)) {
    try {
      status = await client.status();
    } catch (error) {
      statusError = explain(error);
    }
  }
  const message = screen.message();
  const working = busy(state);
  const progress = progressText(state);

  setHtml(
    main,
    html`
    <h2 tabindex="-1">Account sync</h2>
    <p class="who">Signed in as ${user(session.userId)} at ${user(session.accountId)} · this device: ${user(session.deviceId)}</p>
    <div class="sync-grid">
      <div class="column">
      <section class="card sync-card" aria-label="Sync this device">
        <div class="actions">
          <button id="sync-now" class="primary" aria-disabled="${String(working)}">Sync Now</button>
          <button id="verify" aria-disabled="${String(working)}">Verify</button>
        </div>
        <p class="hint">Sync Now sends your edits and brings the Main App's. Verify proves this device holds what the backend holds, and repairs what differs.</p>
        ${
          progress &&
          html`<div class="progress"><progress aria-labelledby="progress-text"></progress>
          <p id="progress-text">${progress}</p></div>`
        }
        ${
          message &&
          !working &&
          html`<p class="outcome ${message.kind}" data-outcome>${message.text}</p>
          ${
            message.repaired &&
            message.repaired.length > 0 &&
            html`<ul class="rows" data-repaired aria-label="Repaired records">${message.repaired.map(
              (r) =>
                html`<li class="row" data-repaired-record="${r.collection}/${r.id}"><div class="row-text">
                <span class="title">${capitalized(singularOf(r.collection as CollectionName))} ${user(r.id)}</span>
                <span class="detail">${r.change === 'stored' ? "The backend's version stored" : 'Removed: the backend no longer has it'}</span>
                </div></li>`,
            )}</ul>`
          }`
        }
      </section>

      <section class="card${lost.length > 0 ? ' attention' : ''}" aria-labelledby="discarded-heading">
        <h3 id="discarded-heading">Discarded edits</h3>
        ${
          lost.length === 0
            ? html`<p data-discarded>None: every edit of yours that reached the backend stands.</p>`
            : html`<p class="hint">A newer version won over ${lost.length === 1 ? 'this edit' : 'these edits'} of yours. Restore yours to send it again at your next sync, or dismiss it.</p>
            <ul class="rows" data-discarded>${lost.map(
              (d) => html`<li class="row" data-lost="${d.collection}/${d.id}">
                <div class="row-text">
                  <span class="title">Your ${singularOf(d.collection as CollectionName)} “${user(recordTitle(d.collection as CollectionName, d.local))}”</span>
                  <span class="detail">${who(d)}</span>
                </div>
                <div class="row-actions">
                  <button type="button" data-restore="${d.collection}/${d.id}">Restore mine</button>
                  <button type="button" data-dismiss="${d.collection}/${d.id}">Dismiss</button>
                </div></li>`,
            )}</ul>`
        }
      </section>
      </div>

      <div class="column">
      <section class="card" aria-labelledby="data-heading">
        <h3 id="data-heading">From the Main App</h3>
        ${
          status === null
            ? html`<p class="muted">${statusError ?? 'Checking…'}</p>`
            : html`<p class="headline ${status.upToDate ? 'ok' : 'waiting'}" data-up-to-date="${String(status.upToDate)}">${
                status.upToDate
                  ? 'Everything from the Main App is on this device.'
                  : status.upToDate === null
                    ? 'This device has not synced yet: press Sync Now.'
                    : 'Changes are waiting: press Sync Now.'
              }</p>
            <ul class="rows compact">${Object.entries(status.collections).map(
              ([c, v]) =>
                html`<li data-collection="${c}"><span>${headingOf(c as CollectionName)}</span>${
                  v.pendingChanges === 0
                    ? html`<span class="state ok">Up to date</span>`
                    : html`<span class="state waiting">${
                        v.pendingChanges === null ? 'Not synced yet' : `${count(v.pendingChanges, 'change')} waiting`
                      }</span>`
                }</li>`,
            )}</ul>`
        }
      </section>

      <section class="card" aria-labelledby="unsent-heading">
        <h3 id="unsent-heading">Unsent edits</h3>
        ${
          unsent.length === 0
            ? html`<p data-unsent>None: the backend has every edit made on this device.</p>`
            : html`<ul class="rows compact" data-unsent>${unsent.map(
                ([c, n]) =>
                  html`<li><span>${headingOf(c as CollectionName)}</span><span class="state waiting">${count(n, 'edit')}</span></li>`,
              )}</ul>`
        }
      </section>

      <section class="card" aria-labelledby="when-heading">
        <h3 id="when-heading">Last syncs</h3>
        <dl class="facts">
          <div><dt>This device</dt><dd data-device-sync>${when(state.lastSyncAt)}</dd></div>
          <div><dt>Edits last sent</dt><dd>${when(state.lastPushAt)}</dd></div>
          <div><dt>The account</dt><dd data-account-sync>${
            status === null
              ? 'not available offline'
              : html`${when(status.account.lastSyncAt)}${status.account.lastSyncBy && html` by ${user(status.account.lastSyncBy.deviceId)}`}`
          }</dd></div>
          <div><dt>Last verified in sync</dt><dd data-last-verified>${when(state.lastVerifiedAt)}</dd></div>
        </dl>
      </section>
      </div>
    </div>`,
  );

  const ifIdle = (work: () => Promise<unknown>) => () => {
    if (!busy(client.getState())) void screen.act(work);
  };
  main.querySelector<HTMLButtonElement>('#sync-now')!.onclick = ifIdle(async () => {
    screen.say('Syncing…');
    const summary = await client.syncNow();
    const lostNow = client.getState().discarded;
    screen.say(
      summary.reset
        ? 'This device was away a long time: everything was refreshed from the backend.'
        : `Synced at ${clock(Date.now())}: ${summary.pushed} sent, ${summary.pulled} received.${
            lostNow > 0 ? ` ${count(lostNow, 'edit')} of yours lost to a newer version: see Discarded edits.` : ''
          }`,
    );
  });
  main.querySelector<HTMLButtonElement>('#verify')!.onclick = ifIdle(async () => {
    screen.say('Verifying…');
    await verifyAndRepair(screen);
  });
  for (const button of main.querySelectorAll<HTMLButtonElement>('[data-restore]')) {
    const [collection, id] = button.dataset.restore!.split('/') as [CollectionName, string];
    button.onclick = () =>
      screen.act(async () => {
        await client.restore(collection, id);
        screen.say('Your version is back, to be sent at your next sync.');
      });
  }
  for (const button of main.querySelectorAll<HTMLButtonElement>('[data-dismiss]')) {
    const [collection, id] = button.dataset.dismiss!.split('/') as [CollectionName, string];
    button.onclick = () =>
      screen.act(async () => {
        await client.dismiss(collection, id);
        screen.say("Dismissed: the backend's version stands.");
      });
  }
}

/** Verify; if anything differs, repair it (which verifies again). */
async function verifyAndRepair({ client, say }: Screen): Promise<void> {
  const found = await client.verify();
  if (found.matched) return say(`Verified in sync at ${clock(found.serverTime)}.`);
  const repair = await client.repair(found);
  const n = repair.records.length + repair.noted;
  const after = repair.after.matched
    ? `Verified in sync at ${clock(repair.after.serverTime)}.`
    : 'Some records still differ: press Verify again, or Sync Now.';
  say(`${count(n, 'record')} differed and ${n === 1 ? 'was' : 'were'} repaired. ${after}`, 'info', repair.records);
}

/** While a Sync Now or a Verify runs: how far it is. */
function progressText(state: SyncState): string {
  switch (state.phase) {
    case 'pushing':
      return 'Sending your edits…';
    case 'pulling':
      return state.progress
        ? `Page ${state.progress.page} · ${count(state.progress.pulled, 'record')} received`
        : 'Receiving…';
    case 'verifying':
    case 'repairing': {
      const doing = state.phase === 'repairing' ? 'Repairing' : 'Verifying';
      const v = state.verifyProgress;
      if (!v) return `${doing}…`;
      const what = headingOf(v.collection as CollectionName).toLowerCase();
      return `${doing} ${what} (${Math.min(v.done + 1, v.collections)} of ${v.collections}) · ${count(v.requests, 'request')}`;
    }
    default:
      return '';
  }
}

/** What replaced a lost edit. */
function who(edit: DiscardedEdit) {
  if (edit.reason === 'deleted') return html`deleted on the backend`;
  const by = edit.winner.updatedBy;
  if (by === null) return html`replaced by a newer version (sync to see by whom)`;
  return by.deviceId === null
    ? html`replaced by the web (${user(by.userId)})`
    : html`replaced by ${user(by.deviceId)} (${user(by.userId)})`;
}
