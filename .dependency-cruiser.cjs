/**
 * The folder rules of src/ (README "Layout"): every layer imports only the layers below it.
 *   contracts  <  core  <  adapters  <  workflows  <  entry points (app, api, dashboard, mcp, cli, demo)
 * Entry points never import one another; the launchers named in LAUNCHERS compose them.
 */
const ENTRY = '^src/(app|api|dashboard|mcp|cli|demo)/';
const LAUNCHERS = ['^src/main[.]ts$', '^src/cli/mcp-command[.]ts$', '^src/demo/demo[.]ts$'];
/** What core/ may not use: node's built-ins, and every package that reaches a server, a process or the network. */
const IMPURE =
  '(^|/)node_modules/(probot|pg|pg-boss|@electric-sql/pglite|openai|@slack/webhook|@octokit/[^/]+|@opentelemetry/[^/]+|prom-client|@modelcontextprotocol/[^/]+|@probot/[^/]+)/';

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'No import cycles.', from: {}, to: { circular: true } },
    {
      name: 'contracts-import-nothing',
      severity: 'error',
      comment: 'contracts/ holds wire types only: it imports no other folder of src/.',
      from: { path: '^src/contracts/' },
      to: { path: '^src/', pathNot: '^src/contracts/' },
    },
    {
      name: 'core-looks-down',
      severity: 'error',
      comment: 'core/ is pure: it imports only core/ and contracts/.',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/(core|contracts)/' },
    },
    {
      name: 'core-is-pure',
      severity: 'error',
      comment: 'core/ imports no node built-in and no package that reaches the network, a database or a process.',
      from: { path: '^src/core/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'core-is-pure-packages',
      severity: 'error',
      comment: 'core/ imports no package that reaches the network, a database or a process (probot, pg, openai, ...).',
      from: { path: '^src/core/' },
      to: { path: IMPURE },
    },
    {
      name: 'adapters-look-down',
      severity: 'error',
      comment: 'adapters/ import core/, contracts/ and other adapters only.',
      from: { path: '^src/adapters/' },
      to: { path: '^src/', pathNot: '^src/(adapters|core|contracts)/' },
    },
    {
      name: 'workflows-look-down',
      severity: 'error',
      comment: 'workflows/ import adapters/, core/, contracts/ and other workflows only.',
      from: { path: '^src/workflows/' },
      to: { path: '^src/', pathNot: '^src/(workflows|adapters|core|contracts)/' },
    },
    {
      name: 'entry-points-stand-alone',
      severity: 'error',
      comment: 'An entry point (app, api, dashboard, mcp, cli, demo) never imports another; only the launchers compose them.',
      from: { path: ENTRY, pathNot: LAUNCHERS },
      to: { path: ENTRY, pathNot: '^src/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
