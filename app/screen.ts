// What every screen of the app is given, and the words it uses for times
// and failures.
import { type RepairResult, type SyncClient, SyncError } from '../client/index.ts';

export type Session = { accountId: string; userId: string; deviceId: string };

/** The latest news for the rep: announced (aria-live) and shown where it applies. */
export type Message = { text: string; kind: 'info' | 'error'; repaired?: RepairResult['records'] };

export type Screen = {
  client: SyncClient;
  session: Session;
  offline: () => boolean;
  message: () => Message | null;
  say: (text: string, kind?: Message['kind'], repaired?: RepairResult['records']) => void;
  /** Runs an action of the rep's, saying what went wrong in words; then renders again. */
  act: (work: () => Promise<unknown>) => Promise<void>;
  render: () => Promise<void>;
};

/** A failure, in words a rep understands: by its kind (the SDK's errors). */
export function explain(error: unknown): string {
  if (!(error instanceof SyncError)) return error instanceof Error ? error.message : String(error);
  switch (error.kind) {
    case 'offline':
    case 'timeout':
      return 'You are offline. Your changes are kept on this device and go out when you sync.';
    case 'auth':
      return 'Your session has expired. Sign in again to sync.';
    case 'busy':
      return 'The service is busy right now; we retried. Try again in a moment.';
    case 'unexpected-response':
      return 'Something on this network answered instead of the service (a Wi-Fi login page?). Try again once online.';
    case 'api':
      return `The server refused: ${error.message}`;
    default:
      return error.message;
  }
}

/** "16:55", on a 24-hour clock. */
export const clock = (ms: number) =>
  new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** "today at 16:55", "3 Nov at 09:12", or "never". */
export function when(ms: number | null, now = Date.now()): string {
  if (ms === null) return 'never';
  const date = new Date(ms);
  const today = new Date(now);
  if (date.toDateString() === today.toDateString()) return `today at ${clock(ms)}`;
  const day = date.toLocaleDateString([], {
    day: 'numeric',
    month: 'short',
    ...(date.getFullYear() === today.getFullYear() ? {} : { year: 'numeric' }),
  });
  return `${day} at ${clock(ms)}`;
}

/** "1 record", "2 records". */
export const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export const capitalized = (word: string) => word[0]!.toUpperCase() + word.slice(1);

/** "a product", "an order" (by the first letter: good enough for the registry's English names). */
export const withArticle = (noun: string) => `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
