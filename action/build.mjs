// `npm run build:action [-- <outfile>]`: bundles action/src into one ES module for Node 20 (default
// action/dist/index.js, committed; a test rebuilds it elsewhere and compares, so dist stays in sync).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const outfile = process.argv[2] ?? fileURLToPath(new URL('./dist/index.js', import.meta.url));
await build({
  entryPoints: [fileURLToPath(new URL('./src/index.ts', import.meta.url))],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Bundled CommonJS dependencies may call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __aaoeCreateRequire } from 'node:module';\nconst require = __aaoeCreateRequire(import.meta.url);",
  },
  legalComments: 'none',
  logLevel: 'warning',
});
