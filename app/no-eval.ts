// Imported first by main.ts, before any schema is built: zod compiles its
// object parsers with `new Function` when it may, and probing for that is
// itself a violation under the app's Content-Security-Policy (no eval). The
// interpreted parsers are plenty fast for a form and a page of records.
import * as z from 'zod';

z.config({ jitless: true });
