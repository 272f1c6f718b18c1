// npm run openapi — writes docs/openapi.json from the zod schemas (protocol/openapi.ts).
import { writeFileSync } from 'node:fs';
import { OPENAPI_FILE, renderOpenApiDocument } from '../protocol/openapi-file.ts';

writeFileSync(OPENAPI_FILE, renderOpenApiDocument());
console.log(`wrote ${OPENAPI_FILE}`);
