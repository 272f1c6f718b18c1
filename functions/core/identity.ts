// Who wrote a version. A device is the pair (user, deviceId): two reps on one
// shared demo iPad are two devices, and no user can act as another's device.
// The Main App (web) writes as its user with no device. Stored as one string
// (`writer`) so a DynamoDB condition can compare it; deviceIds never contain
// '#', so the encoding is unambiguous whatever a user id holds.
import type { UpdatedBy } from '../../protocol/fields.ts';

export type Writer = UpdatedBy;

export function deviceWriter(userId: string, deviceId: string): Writer {
  return { userId, deviceId };
}

export function webWriter(userId: string): Writer {
  return { userId, deviceId: null };
}

export function writerKey({ userId, deviceId }: Writer): string {
  return deviceId === null ? `web#${userId}` : `device#${deviceId}#${userId}`;
}

export function writerFromKey(key: string): Writer {
  if (key.startsWith('web#')) return { userId: key.slice('web#'.length), deviceId: null };
  const match = /^device#([^#]+)#(.*)$/s.exec(key);
  if (match === null) throw new Error('unexpected writer key');
  return { userId: match[2]!, deviceId: match[1]! };
}
