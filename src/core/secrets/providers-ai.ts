import type { ShapeRule } from './shape.js';

/** Model providers. Each rule cites the provider's documentation of the format and the gitleaks rule that describes it. */
export const AI_RULES: ShapeRule[] = [
  // OpenAI API keys: sk-, sk-proj-, sk-svcacct-, sk-admin-; every key carries the marker T3BlbkFJ ("OpenAI" in
  // base64) between two random parts. https://platform.openai.com/docs/api-reference/authentication ; gitleaks openai.go
  {
    id: 'openai-api-key',
    family: 'OpenAI',
    kind: 'an OpenAI API key',
    pattern: /sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{10,400}(?![A-Za-z0-9_-])/g,
    verify: (s) => s.includes('T3BlbkFJ'),
  },
  // Anthropic API and admin keys: sk-ant-api03- / sk-ant-admin01- + 93 + AA. https://docs.anthropic.com/en/api/getting-started#authentication ; gitleaks anthropic.go
  {
    id: 'anthropic-api-key',
    family: 'Anthropic',
    kind: 'an Anthropic API key',
    pattern: /sk-ant-(?:api|admin|sid|oat)\d\d-[A-Za-z0-9_-]{80,120}(?![A-Za-z0-9_-])/g,
    verify: (s) => s.endsWith('AA') && s.length - s.indexOf('-', 7) - 1 === 95,
  },
  // Perplexity API key: pplx- + 48. https://docs.perplexity.ai/guides/getting-started ; gitleaks perplexity.go
  {
    id: 'perplexity-api-key',
    family: 'Perplexity',
    kind: 'a Perplexity API key',
    pattern: /pplx-[A-Za-z0-9]{48}(?![A-Za-z0-9])/g,
  },
  // Groq API key: gsk_ + 52. https://console.groq.com/docs/quickstart
  { id: 'groq-api-key', family: 'Groq', kind: 'a Groq API key', pattern: /gsk_[A-Za-z0-9]{52}(?![A-Za-z0-9])/g },
  // xAI API key: xai- + 80. https://docs.x.ai/docs/overview
  { id: 'xai-api-key', family: 'xAI', kind: 'an xAI API key', pattern: /xai-[A-Za-z0-9]{80}(?![A-Za-z0-9])/g },
  // Replicate API token: r8_ + 37. https://replicate.com/docs/reference/http#authentication
  {
    id: 'replicate-api-token',
    family: 'Replicate',
    kind: 'a Replicate API token',
    pattern: /r8_[A-Za-z0-9]{37}(?![A-Za-z0-9])/g,
  },
];
