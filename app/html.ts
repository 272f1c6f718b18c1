// Markup from template literals. Every interpolated value is escaped unless
// it already is markup, so no record can inject any; and a value a user or
// the web wrote goes through `user()`, which isolates its direction (<bdi>):
// a name in Arabic, or one with a stray U+202E, cannot reorder the price
// and the buttons shown next to it.

export class Html {
  constructor(readonly text: string) {}
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  return new Html(strings.reduce((out, text, i) => out + render(parts[i - 1]) + text));
}

/** A value someone typed (a name, an id, a device): escaped and isolated. */
export const user = (value: unknown): Html => html`<bdi>${String(value ?? '')}</bdi>`;

export function setHtml(element: Element, markup: Html): void {
  element.innerHTML = markup.text;
}

function render(part: Part): string {
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map(render).join('');
  // false and null leave nothing, so `${cond && html`…`}` reads as it should.
  if (part === null || part === undefined || typeof part === 'boolean') return '';
  return String(part).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
