// Local tokens carry what a Cognito ID token carries for us: sub and custom:accountId.
import { SignJWT } from 'jose';

export function signLocalToken(
  secret: string,
  accountId: string,
  userId: string,
  expiresIn: string | number = '12h',
): Promise<string> {
  return new SignJWT({ 'custom:accountId': accountId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}
