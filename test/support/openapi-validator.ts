// Checks what the API answered against the committed OpenAPI document with
// an independent validator (ajv, JSON Schema 2020-12, as OpenAPI 3.1 uses):
// the operation the request reached, a status it documents, the body's
// schema, the headers it names (a required one present, none sent that it
// does not name). Used on every response the integration suite receives
// (test/support/local-stack.ts), and by the document's own unit test.
import { readFileSync } from 'node:fs';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { OPENAPI_FILE } from '../../protocol/openapi-file.ts';
import { type HttpMethod, methodsFor, pathPattern } from '../../protocol/routes.ts';

type Json = Record<string, unknown>;
type Document = {
  paths: Record<string, Record<string, Json>>;
  components: { responses: Record<string, Json>; headers: Record<string, Json> };
};

export const document = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as Document;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(document, 'openapi');

/** Is `value` an instance of the document's schema at `pointer` (e.g. `#/components/schemas/PushRequest`)? */
export function check(pointer: string, value: unknown): string | null {
  const validate = ajv.getSchema(`openapi${pointer}`);
  if (validate === undefined) return `no schema at ${pointer}`;
  return validate(value) ? null : ajv.errorsText(validate.errors, { dataVar: 'body' });
}

const resolve = (node: Json): Json => {
  const $ref = node.$ref;
  if (typeof $ref !== 'string') return node;
  const [, kind, key] = /^#\/components\/(\w+)\/(.+)$/.exec($ref) ?? [];
  return resolve((document.components as Record<string, Record<string, Json>>)[kind!]?.[key!] ?? {});
};

/** Headers every HTTP response may carry whatever the document says. */
const TRANSPORT_HEADERS =
  /^(content-type|content-length|date|connection|keep-alive|transfer-encoding|access-control-.*)$/;

export type Answered = {
  method: string;
  path: string;
  status: number;
  headers: Record<string, string | number | boolean | undefined>;
  /** As sent: base64 when `isBase64Encoded`, compressed when Content-Encoding says so. */
  body?: string | undefined;
  isBase64Encoded?: boolean | undefined;
};

/** What is wrong with one answer, as the document sees it (empty: nothing). */
export function violations(answer: Answered): string[] {
  const where = `${answer.method} ${answer.path} → ${answer.status}`;
  const documentedPath = Object.keys(document.paths).find((p) => pathPattern(p).test(answer.path));
  const operation = documentedPath ? document.paths[documentedPath]![answer.method.toLowerCase()] : undefined;
  let response: Json | undefined;
  if (operation === undefined) {
    // No operation. The route table says what comes first: an unknown path is 404 and a known one asked
    // with another method 405 (both before the token); a records path naming an unknown collection is
    // checked after the token (401) and the content type (415), and answered 400. Any of them may be 413
    // (a body too large to hand on).
    const methods = methodsFor(answer.path);
    const shared: Record<number, string> =
      methods.length === 0
        ? { 404: 'NotFound' }
        : !methods.includes(answer.method as HttpMethod)
          ? { 405: 'MethodNotAllowed' }
          : { 400: 'BadRequest', 401: 'Unauthorized', 415: 'UnsupportedMediaType' };
    const name = { ...shared, 413: 'PayloadTooLarge' }[answer.status];
    if (name === undefined) return [`${where}: an undocumented answer (expected ${Object.keys(shared).join(' or ')})`];
    response = resolve({ $ref: `#/components/responses/${name}` });
  } else {
    const responses = operation.responses as Record<string, Json>;
    const declared = responses[String(answer.status)];
    if (declared === undefined) return [`${where}: a status the document does not list for this operation`];
    response = resolve(declared);
  }
  const problems: string[] = [];
  // A header is required where it is named, on the reference or on the header itself.
  const documentedHeaders = Object.fromEntries(
    Object.entries((response.headers ?? {}) as Record<string, Json>).map(([k, v]) => [
      k.toLowerCase(),
      v.required === true || resolve(v).required === true,
    ]),
  );
  const sent = Object.fromEntries(Object.entries(answer.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
  for (const [header, required] of Object.entries(documentedHeaders)) {
    if (required && !(header in sent)) problems.push(`${where}: no ${header} header`);
  }
  for (const header of Object.keys(sent)) {
    if (!TRANSPORT_HEADERS.test(header) && !(header in documentedHeaders))
      problems.push(`${where}: undocumented header ${header}`);
  }
  const content = response.content as Record<string, { schema: Json }> | undefined;
  const text = decode(answer);
  if (content === undefined) {
    if (text !== '') problems.push(`${where}: a body where the document says none`);
    return problems;
  }
  if (text === '') return [...problems, `${where}: no body`];
  const validate = validatorFor(content['application/json']?.schema ?? {});
  if (!validate(JSON.parse(text))) problems.push(`${where}: ${ajv.errorsText(validate.errors, { dataVar: 'body' })}`);
  return problems;
}

const compiled = new Map<string, ReturnType<typeof ajv.compile>>();

/** A response's schema, its references read in the document. */
function validatorFor(schema: Json): ReturnType<typeof ajv.compile> {
  const text = JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/');
  let validate = compiled.get(text);
  if (validate === undefined) {
    validate = ajv.compile(JSON.parse(text) as Json);
    compiled.set(text, validate);
  }
  return validate;
}

function decode(answer: Answered): string {
  if (answer.body === undefined || answer.body === '') return '';
  if (!answer.isBase64Encoded) return answer.body;
  const bytes = Buffer.from(answer.body, 'base64');
  const encoding = String(answer.headers['content-encoding'] ?? answer.headers['Content-Encoding'] ?? '');
  if (encoding === 'gzip') return gunzipSync(bytes).toString('utf8');
  if (encoding === 'br') return brotliDecompressSync(bytes).toString('utf8');
  return bytes.toString('utf8');
}
