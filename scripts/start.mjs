// `npm start`: the built app (dist/src/main.js), never a build: the compiler is a development dependency, and the
// build happens once, at install or pack time (`prepare`). Without dist/, it says how to build instead of a stack trace.
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error(
    'aaoe: dist/ is not built, so there is nothing to start.\n' +
      'From a checkout: `npm ci && npm run build` (or `npm run build` after a change), then `npm start`;\n' +
      'for production: `npm ci && npm run build`, then `npm ci --omit=dev && npm start` (docs/operations.md).',
  );
  process.exit(1);
}
await import(main.href);
