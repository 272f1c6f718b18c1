// The README's screenshots of the Account sync page: the browser test
// (test/integration/app.test.ts) takes them into .vitest/screenshots/, which
// git ignores, so a test run never dirties the tree; `npm run screenshots`
// copies them into docs/ when they should change.
import { copyFileSync, existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SCREENSHOT_DIR = fileURLToPath(new URL('../.vitest/screenshots/', import.meta.url));
const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));

/** The two moments the README shows, each at a phone's size and a desktop's. */
export const screenshots = {
  /** After a Sync Now in which the web beat an offline edit (and deleted a record the rep had edited). */
  webWon: 'account-sync-web-won',
  /** After a Verify that repaired two records. */
  repaired: 'account-sync-repaired',
} as const;

export const viewports = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 800 },
} as const;

export const screenshotName = (shot: keyof typeof screenshots, size: keyof typeof viewports) =>
  `${screenshots[shot]}-${size}.png`;

const every = () =>
  (Object.keys(screenshots) as (keyof typeof screenshots)[]).flatMap((shot) =>
    (Object.keys(viewports) as (keyof typeof viewports)[]).map((size) => screenshotName(shot, size)),
  );

/** Copies every screenshot into docs/; throws, copying nothing, when one is missing. */
export function copyScreenshots(): { name: string; takenAt: Date }[] {
  const missing = every().filter((name) => !existsSync(`${SCREENSHOT_DIR}${name}`));
  if (missing.length > 0) {
    throw new Error(
      `missing in ${SCREENSHOT_DIR}: ${missing.join(', ')}. Run the browser test first: npx vitest run test/integration/app.test.ts`,
    );
  }
  return every().map((name) => {
    copyFileSync(`${SCREENSHOT_DIR}${name}`, `${DOCS}${name}`);
    return { name, takenAt: statSync(`${SCREENSHOT_DIR}${name}`).mtime };
  });
}
