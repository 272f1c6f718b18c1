// Whose store this is: a store holds one account's and one user's data, and
// another identity's pending edits are never pushed under this one (protocol
// "Applying what Sync Now returns", A15).
import { ConfigurationError } from './errors.ts';
import { type TokenSource, tokenFrom } from './http.ts';

/** The account and user a client acts for, as the store's owner meta holds them. */
export async function ownerOf(options: { accountId?: string; userId?: string; token: TokenSource }): Promise<string> {
  const { accountId: given, userId: givenUser } = options;
  const claims = given !== undefined && givenUser !== undefined ? {} : claimsOf(await tokenFrom(options.token));
  const accountId = given ?? claims['custom:accountId'];
  const userId = givenUser ?? claims.sub;
  if (typeof accountId !== 'string' || typeof userId !== 'string') {
    throw new ConfigurationError(
      'SyncClient needs accountId and userId, or a token that carries custom:accountId and sub',
    );
  }
  return JSON.stringify([accountId, userId]);
}

/** A JWT's claims, read without verifying it (the server verifies; the client only needs to know whose store this is). */
function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (payload === undefined) return {};
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '='));
    const claims: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
