// Record ids a device makes up: random UUIDs (v4) from crypto.getRandomValues,
// which browsers, Node and React Native (with react-native-get-random-values)
// have — unlike crypto.randomUUID, which Hermes lacks. Never Math.random: two
// devices must not collide.
export function uuidGenerator(
  crypto: { getRandomValues?: <T extends Uint8Array>(array: T) => T } | undefined = globalThis.crypto,
): () => string {
  const getRandomValues = crypto?.getRandomValues?.bind(crypto);
  if (getRandomValues === undefined) {
    throw new Error(
      'no crypto.getRandomValues: install a polyfill (react-native-get-random-values) or pass newId to SyncClient',
    );
  }
  return () => {
    const bytes = getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6]! & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}
