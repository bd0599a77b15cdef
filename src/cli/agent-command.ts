import type { Command } from 'commander';
import { runMcpCommand } from './mcp-command.js';
import { registerProposeCommand } from './propose-command.js';
import { PACKAGE_NAME, packageVersion, withExamples, type CliContext } from './cli-io.js';

/** The commands for agents: `aaoe propose` (AAOE's agent, as a dry run) and `aaoe mcp` (the MCP server). */
export function registerAgentCommands(program: Command, ctx: CliContext): void {
  registerProposeCommand(program, ctx);
  const mcp = program
    .command('mcp')
    .description(
      "the MCP server over stdio for agents: the control plane's API as tools. Needs AAOE_URL and AAOE_TOKEN (or GITHUB_TOKEN, which never approves, resumes or rolls back); runs until the client closes stdin",
    )
    .action(async () => {
      ctx.exit(await runMcpCommand([], ctx.io, ctx.env));
    });
  withExamples(mcp, [
    'AAOE_URL=https://aaoe.example.com AAOE_TOKEN=... aaoe mcp',
    `npx -y ${PACKAGE_NAME}@${packageVersion()} mcp   (the command an MCP client's configuration runs: docs/api.md)`,
  ]);
}
