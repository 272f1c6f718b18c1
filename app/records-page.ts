// A collection's screen: its records as rows (title, then the form's other
// fields with their labels), each editable in place, and a form to add one —
// all read off the registry through forms.ts.
import type { CollectionName, RecordOf } from '../protocol/records.ts';
import { type FormField, formFields, headingOf, recordFrom, rowOf, singularOf, valueAt } from './forms.ts';
import { html, setHtml, user } from './html.ts';
import { capitalized, type Screen, withArticle } from './screen.ts';

/** The record being edited (collection/id), the add form's open state, and what to focus after a render. */
let editing: string | null = null;
let adding = false;
let focusNext: string | null = null;

export async function renderRecords(screen: Screen, main: HTMLElement, collection: CollectionName): Promise<void> {
  const { client } = screen;
  const records = await client.list(collection);
  const fields = formFields(collection);
  const heading = headingOf(collection);
  const one = singularOf(collection);
  setHtml(
    main,
    html`
    <h2 tabindex="-1">${heading}</h2>
    <details class="card add" ${adding && html`open`}>
      <summary>Add ${withArticle(one)}</summary>
      <form id="create" class="fields">
        ${inputs(fields)}
        <div class="actions"><button class="primary">Add ${one}</button></div>
      </form>
    </details>
    ${
      records.length === 0
        ? html`<p class="empty">No ${heading.toLowerCase()} on this device yet.</p>`
        : html`<ul class="rows records" aria-label="${heading}">
      ${records.map((record) => {
        const key = `${collection}/${record.id}`;
        if (key === editing) {
          return html`<li class="row editing" data-id="${record.id}">
            <form class="fields" data-editing="${record.id}" aria-label="Edit ${one}">
              ${inputs(fields, record)}
              <div class="actions"><button class="primary">Save</button><button type="button" data-cancel>Cancel</button></div>
            </form></li>`;
        }
        const { title, details } = rowOf(collection, record);
        return html`<li class="row" data-id="${record.id}">
          <div class="row-text">
            <span class="title">${user(title)}</span>
            ${details.length > 0 && html`<span class="detail">${details.map((d, i) => html`${i > 0 && ' · '}${d.label} ${user(d.value)}`)}</span>`}
          </div>
          <div class="row-actions">
            <button type="button" data-edit="${record.id}">Edit<span class="sr-only"> ${user(title)}</span></button>
            <button type="button" data-delete="${record.id}">Delete<span class="sr-only"> ${user(title)}</span></button>
          </div></li>`;
      })}
    </ul>`
    }`,
  );

  const add = main.querySelector<HTMLDetailsElement>('details.add')!;
  add.ontoggle = () => {
    adding = add.open;
  };
  main.querySelector<HTMLFormElement>('#create')!.onsubmit = (event) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    void screen.act(async () => {
      await client.save(collection, recordFrom(collection, valuesOf(form)));
      focusNext = '#create input';
      screen.say(`${capitalized(one)} added. It goes to the backend at your next sync.`);
    });
  };
  for (const button of main.querySelectorAll<HTMLButtonElement>('[data-edit]')) {
    button.onclick = () => {
      editing = `${collection}/${button.dataset.edit}`;
      focusNext = '[data-editing] input';
      void screen.render();
    };
  }
  for (const button of main.querySelectorAll<HTMLButtonElement>('[data-delete]')) {
    button.onclick = () =>
      screen.act(async () => {
        await client.remove(collection, button.dataset.delete!);
        screen.say(`${capitalized(one)} deleted on this device. The deletion goes out at your next sync.`);
      });
  }
  const form = main.querySelector<HTMLFormElement>('[data-editing]');
  if (form) {
    const id = form.dataset.editing!;
    const record = records.find((r) => r.id === id)!;
    const done = () => {
      editing = null;
      focusNext = `[data-edit="${CSS.escape(id)}"]`;
    };
    form.querySelector<HTMLButtonElement>('[data-cancel]')!.onclick = () => {
      done();
      void screen.render();
    };
    form.onsubmit = (event) => {
      event.preventDefault();
      void screen.act(async () => {
        const { id: _id, updatedAt: _u, updatedBy: _b, ...current } = record;
        await client.save(collection, { ...current, ...recordFrom(collection, valuesOf(form)), id });
        done();
      });
    };
  }
  if (focusNext) main.querySelector<HTMLElement>(focusNext)?.focus();
  focusNext = null;
}

/** A labelled input per form field; filled from `record` when editing. */
function inputs(fields: FormField[], record?: RecordOf<CollectionName>) {
  return fields.map(
    (field) => html`<label class="field"><span>${field.label}</span>
      <input name="${field.path}" type="${field.input}" dir="auto" autocomplete="off"
        ${field.input === 'number' && html`inputmode="numeric"`}
        ${record ? html`value="${String(valueAt(record, field.path) ?? '')}"` : html`required`}></label>`,
  );
}

/** A form's values by field name. */
function valuesOf(form: HTMLFormElement): (name: string) => string {
  const data = new FormData(form);
  return (name) => String(data.get(name) ?? '');
}
