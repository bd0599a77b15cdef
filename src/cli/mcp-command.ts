import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { AaoeApiClient, apiClientConfigFromEnv } from '../mcp/api-client.js';
import { createMcpServer } from '../mcp/mcp-server.js';
import type { CliIo, Env } from './cli-io.js';

/**
 * `aaoe mcp`: the MCP server over stdio (stdin/stdout carry the protocol, so nothing else is written to stdout).
 * It needs `AAOE_URL` and `AAOE_TOKEN` (or `GITHUB_TOKEN`, which never approves, resumes or rolls back); it runs until
 * the client closes stdin.
 */
export async function runMcpCommand(
  args: string[],
  io: CliIo,
  env: Env,
  streams: { stdin?: NodeJS.ReadableStream; stdout?: NodeJS.WritableStream } = {},
): Promise<number> {
  if (args.length > 0) {
    io.stderr(`aaoe mcp takes no arguments (got ${args.join(' ')}); it reads AAOE_URL and AAOE_TOKEN or GITHUB_TOKEN`);
    return 2;
  }
  const config = apiClientConfigFromEnv(env);
  if (!config.ok) {
    io.stderr(`aaoe mcp: ${config.message}`);
    return 2;
  }
  const stdin = streams.stdin ?? process.stdin;
  const server = createMcpServer(new AaoeApiClient(config.config));
  const transport = new StdioServerTransport(stdin as never, (streams.stdout ?? process.stdout) as never);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => {
      resolve();
    };
    stdin.once('end', () => void transport.close());
  });
  await server.connect(transport);
  io.stderr(
    `aaoe mcp: serving the control-plane API of ${config.config.url} over stdio${config.config.tokenFrom === 'GITHUB_TOKEN' ? ' (with GITHUB_TOKEN: approve, resume and rollback are refused; set AAOE_TOKEN to a token AAOE issued to you)' : ''}`,
  );
  await closed;
  return 0;
}
