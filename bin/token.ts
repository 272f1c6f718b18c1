// npm run token -- --account acme --user alice [--expires-in 12h]
// Prints an HS256 token the local server accepts (signed with LOCAL_JWT_SECRET).
import { parseArgs } from 'node:util';
import { DEFAULT_JWT_SECRET } from '../dev/local-api.ts';
import { signLocalToken } from '../dev/local-token.ts';

const { values } = parseArgs({
  options: {
    account: { type: 'string' },
    user: { type: 'string' },
    'expires-in': { type: 'string', default: '12h' },
  },
});
if (!values.account || !values.user) {
  console.error('usage: npm run token -- --account <accountId> --user <userId> [--expires-in 12h]');
  process.exit(2);
}
const secret = process.env.LOCAL_JWT_SECRET ?? DEFAULT_JWT_SECRET;
console.log(await signLocalToken(secret, values.account, values.user, values['expires-in']));
