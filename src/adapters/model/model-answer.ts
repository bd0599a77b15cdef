import type OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';

/** The model's answer as data: the response format it is asked for, and its answer checked against the schema. */

/**
 * The schema as a response format: strict structured outputs where the schema fits them, otherwise the JSON
 * Schema without `strict` (e.g. the proposal, whose path rules strict mode cannot express). Either way the
 * answer is validated here.
 */
export function responseFormatFor(schema: z.ZodType, name: string): OpenAI.ResponseFormatJSONSchema {
  try {
    return zodResponseFormat(schema as never, name);
  } catch {
    return {
      type: 'json_schema',
      json_schema: {
        name,
        schema: z.toJSONSchema(schema, { io: 'input', target: 'draft-7' }),
        strict: false,
      },
    };
  }
}

export function parseAnswer<T>(
  content: string,
  schema: z.ZodType<T>,
): { ok: true; value: T } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    return { ok: false, error: 'it is not JSON' };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    error: result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
  };
}

/** The request asked again after an answer that does not match the schema, with that answer and what is wrong. */
export function repairMessages(
  request: { messages: OpenAI.Chat.ChatCompletionMessageParam[]; schemaName: string },
  content: string,
  error: string,
): OpenAI.Chat.ChatCompletionMessageParam[] {
  return [
    ...request.messages,
    { role: 'assistant', content },
    {
      role: 'user',
      content: `That answer does not match the schema "${request.schemaName}": ${error}. Answer again with JSON that matches it exactly.`,
    },
  ];
}
