import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for an OpenAI-compatible endpoint (`POST /v1/chat/completions`): each model answers from
 * its script, one step per request (the last step repeats), and every request is recorded.
 */

export type Step =
  | { status: number; message?: string; retryAfter?: number }
  | { content: string; usage?: { prompt_tokens: number; completion_tokens: number } }
  | { delayMs: number; then: Step };

export type FakeRequest = {
  model: string;
  messages: Array<{ role: string; content: string }>;
  response_format?: any;
  max_completion_tokens?: number;
};

export class FakeOpenAI {
  readonly requests: FakeRequest[] = [];
  private readonly scripts = new Map<string, Step[]>();

  private constructor(
    private readonly server: Server,
    readonly baseURL: string,
  ) {}

  static async start(): Promise<FakeOpenAI> {
    let fake!: FakeOpenAI;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => void fake.answer(req.url ?? '', body, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeOpenAI(server, `http://127.0.0.1:${port}/v1`);
    return fake;
  }

  /** What `model` answers to its next requests, in order. */
  script(model: string, ...steps: Step[]): void {
    this.scripts.set(model, steps);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async answer(url: string, body: string, res: import('node:http').ServerResponse): Promise<void> {
    if (url !== '/v1/chat/completions') {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: `no route ${url}` } }));
      return;
    }
    const request = JSON.parse(body) as FakeRequest;
    this.requests.push(request);
    const script = this.scripts.get(request.model) ?? [];
    let step: Step | undefined = script.length > 1 ? script.shift() : script[0];
    if (!step) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          error: {
            message: `The model ${request.model} does not exist`,
            type: 'invalid_request_error',
            code: 'model_not_found',
          },
        }),
      );
      return;
    }
    while ('delayMs' in step) {
      await new Promise((r) => setTimeout(r, (step as { delayMs: number }).delayMs));
      step = step.then;
    }
    if ('status' in step) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (step.retryAfter !== undefined) headers['retry-after'] = String(step.retryAfter);
      res.writeHead(step.status, headers).end(
        JSON.stringify({
          error: { message: step.message ?? `status ${step.status}`, type: 'server_error', code: null },
        }),
      );
      return;
    }
    const usage = step.usage ?? { prompt_tokens: 100, completion_tokens: 50 };
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: `chatcmpl-${this.requests.length}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: request.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: step.content, refusal: null },
            finish_reason: 'stop',
            logprobs: null,
          },
        ],
        usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
      }),
    );
  }
}
