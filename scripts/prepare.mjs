// `npm run prepare` (npm runs it on `npm install`/`npm ci` in a checkout, on `npm pack`/`npm publish`, and when a
// git dependency is installed): builds dist/ from a clean slate with the TypeScript compiler. The compiler is a
// development dependency: under `npm ci --omit=dev` it is absent, and a dist/ built before (by `npm ci` and this
// script) is kept as it is; without either, this says what to run. The tarball npm packs holds dist/, so installing
// the package never builds anything.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const root = new URL('../', import.meta.url);
// an installed package (a tarball, the registry) has dist/ and no sources: nothing to build, whatever compiler is around
if (!existsSync(new URL('src/main.ts', root)) && existsSync(new URL('dist/src/main.js', root))) process.exit(0);
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  tsc = undefined;
}
if (tsc === undefined) {
  // `npm run build` asks for a build: without the compiler that is an error; `prepare` keeps a dist/ built before
  if (!process.argv.includes('--build') && existsSync(new URL('dist/src/main.js', root))) {
    console.log('aaoe: the TypeScript compiler is not installed (--omit=dev): keeping the dist/ built before');
    process.exit(0);
  }
  console.error(
    'aaoe: dist/ is not built and the TypeScript compiler is not installed (--omit=dev).\n' +
      'From a checkout: run `npm ci && npm run build` first, then `npm ci --omit=dev && npm start`;\n' +
      'or install the packed package (`npm pack`, or the published @aaoe-dev/aaoe), which holds dist/.',
  );
  process.exit(1);
}
rmSync(new URL('dist/', root), { recursive: true, force: true });
const built = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
process.exit(built.status ?? 1);
