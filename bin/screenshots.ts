// npm run screenshots — copies the Account sync screenshots the browser test
// took (.vitest/screenshots/) into docs/, where the README shows them.
import { copyScreenshots } from '../dev/screenshots.ts';

for (const { name, takenAt } of copyScreenshots()) {
  console.log(`docs/${name} (taken ${takenAt.toISOString()})`);
}
