// The app's screens, read off the collection registry (protocol/collections.ts):
// each collection's form (its fields, labels from the schema's titles, the
// input each field's type calls for), how a record is built from that form
// and how one is listed. A collection registered there gets its screen here
// without a line of app code.
import * as z from 'zod';
import { collections } from '../protocol/collections.ts';
import type { CollectionName, RecordInput, RecordOf } from '../protocol/records.ts';

export type FormField = { path: string; label: string; input: 'text' | 'number' | 'email' };

/** The fields a new record of `collection` is made from, in the registry's order. */
export function formFields(collection: CollectionName): FormField[] {
  return collections[collection].form.map((path) => {
    const schema = schemaAt(collections[collection].fields, path);
    return { path, label: titleOf(schema) ?? humanize(path), input: inputFor(schema) };
  });
}

/** The collection's name as a heading ("Products"). */
export const headingOf = (collection: CollectionName) => humanize(collection);

/** One record in a word ("product"). */
export const singularOf = (collection: CollectionName) => collections[collection].singular;

/** A record built from its form's values over the registry's defaults (numbers as numbers). */
export function recordFrom<C extends CollectionName>(collection: C, values: (path: string) => string): RecordInput<C> {
  const record = structuredClone(collections[collection].defaults) as Record<string, unknown>;
  for (const field of formFields(collection)) {
    const raw = values(field.path).trim();
    if (raw === '' && field.input !== 'number') {
      // An empty optional field is left out (the protocol has no null values).
      if (schemaAt(collections[collection].fields, field.path).safeParse(undefined).success) continue;
    }
    setAt(record, field.path, field.input === 'number' ? Number(raw) : raw);
  }
  // Checked by the SDK when saved (an invalid record is refused there, with its issues).
  return record as RecordInput<C>;
}

/** A form field's current value in `record`, for editing. */
export function valueAt(record: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (isObject(value) ? value[key] : undefined), record);
}

/** A record's title field ("Espresso machine"), or its id when it has none. */
export function recordTitle(collection: CollectionName, record: Record<string, unknown>): unknown {
  return record[collections[collection].title] ?? record.id;
}

/** How a record is listed: its title, then the other fields of its form, each with its label. */
export function rowOf(
  collection: CollectionName,
  record: RecordOf<CollectionName>,
): { title: unknown; details: { label: string; value: unknown }[] } {
  const { title } = collections[collection];
  const details = formFields(collection)
    .filter((field) => field.path !== title)
    .map((field) => ({ label: field.label, value: valueAt(record, field.path) }))
    .filter(({ value }) => value !== undefined && value !== '');
  return { title: record[title], details };
}

function schemaAt(fields: z.ZodObject, path: string): z.ZodType {
  let schema: z.ZodType = fields;
  for (const key of path.split('.')) {
    const inner = unwrap(schema);
    if (inner instanceof z.ZodObject) schema = inner.shape[key] as z.ZodType;
    else if (inner instanceof z.ZodArray) schema = inner.element as z.ZodType;
    else throw new Error(`no field ${path}`);
    if (schema === undefined) throw new Error(`no field ${path}`);
  }
  return schema;
}

function unwrap(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema;
}

function titleOf(schema: z.ZodType): string | undefined {
  const title = schema.meta()?.title ?? unwrap(schema).meta()?.title;
  return typeof title === 'string' ? title : undefined;
}

function inputFor(schema: z.ZodType): FormField['input'] {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodNumber) return 'number';
  if (inner instanceof z.ZodEmail) return 'email';
  return 'text';
}

function setAt(record: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let target: Record<string, unknown> = record;
  for (const [i, key] of keys.entries()) {
    if (i === keys.length - 1) {
      target[key] = value;
      return;
    }
    const next = target[key] ?? (/^\d+$/.test(keys[i + 1]!) ? [] : {});
    target[key] = next;
    target = next as Record<string, unknown>;
  }
}

function humanize(name: string): string {
  const last = name.split('.').at(-1)!;
  const words = last.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words[0]!.toUpperCase() + words.slice(1);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
