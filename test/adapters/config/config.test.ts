import { describe, expect, it } from 'vitest';
import { readConfig } from '../../../src/adapters/config/config.js';
import { describeVariables, VARIABLES } from '../../../src/adapters/config/variables.js';

/** The one config module: typed values with their defaults, broken settings named, secrets never printed. */

describe('readConfig', () => {
  it('gives the defaults when nothing is set', () => {
    const config = readConfig({});
    expect(config.github.webhookPath).toBe('/api/github/webhooks');
    expect(config.github.urls).toEqual({ api: 'https://api.github.com', web: 'https://github.com' });
    expect(config.github.oauthClient).toBeUndefined();
    expect(config.server.jobConcurrency).toBe(4);
    expect(config.server.timerIntervalMs).toBe(15_000);
    expect(config.server.tracesEndpoint).toBeUndefined();
    expect(config.store.database).toEqual({ dataDir: '.aaoe' });
    expect(config.model.modelsFile).toBeUndefined();
    expect(config.model.agent()).toBeUndefined();
  });

  it.each([
    [{ AAOE_JOB_CONCURRENCY: '0' }, (c: ReturnType<typeof readConfig>) => c.server.jobConcurrency, 0],
    [{ AAOE_TIMER_INTERVAL_SECONDS: '0.5' }, (c: ReturnType<typeof readConfig>) => c.server.timerIntervalMs, 500],
    [
      { GHE_HOST: 'ghe.example', GHE_PROTOCOL: 'http' },
      (c: ReturnType<typeof readConfig>) => c.github.urls.api,
      'http://ghe.example/api/v3',
    ],
    [
      { GITHUB_CLIENT_ID: ' id ', GITHUB_CLIENT_SECRET: 's' },
      (c: ReturnType<typeof readConfig>) => c.github.oauthClient,
      { clientId: 'id', clientSecret: 's' },
    ],
    [
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' },
      (c: ReturnType<typeof readConfig>) => c.server.tracesEndpoint,
      'http://collector:4318/v1/traces',
    ],
    [
      { AAOE_MODEL_API_KEY: 'k', OPENAI_API_KEY: 'o', OPENAI_BASE_URL: 'http://m/v1' },
      (c: ReturnType<typeof readConfig>) => [c.model.apiKey, c.model.baseURL],
      ['k', 'http://m/v1'],
    ],
  ])('reads %o', (env, pick, expected) => {
    expect(pick(readConfig(env))).toEqual(expected);
  });

  it.each([
    [{ AAOE_JOB_CONCURRENCY: '-1' }, 'AAOE_JOB_CONCURRENCY must be a whole number, 0 or more, not "-1"'],
    [{ AAOE_JOB_CONCURRENCY: '2.5' }, 'AAOE_JOB_CONCURRENCY must be a whole number, 0 or more, not "2.5"'],
    [{ AAOE_TIMER_INTERVAL_SECONDS: 'soon' }, 'AAOE_TIMER_INTERVAL_SECONDS must be a positive number, not "soon"'],
  ])('names a broken setting: %o', (env, message) => {
    const config = readConfig(env);
    expect(() => [config.server.jobConcurrency, config.server.timerIntervalMs]).toThrow(message);
  });

  it('reads the environment when a value is asked for (a value set later is seen)', () => {
    const env: Record<string, string | undefined> = {};
    const config = readConfig(env);
    expect(config.github.oauthClient).toBeUndefined();
    env.GITHUB_CLIENT_ID = 'id';
    env.GITHUB_CLIENT_SECRET = 'secret';
    expect(config.github.oauthClient).toEqual({ clientId: 'id', clientSecret: 'secret' });
  });
});

describe('describeVariables', () => {
  it('shows values and defaults, and a secret only as set or not set', () => {
    const lines = describeVariables({
      APP_ID: '42',
      PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----',
      DATABASE_URL: 'postgres://u:pw@db/aaoe',
    });
    expect(lines).toContain('APP_ID = 42');
    expect(lines).toContain('PRIVATE_KEY = (set)');
    expect(lines).toContain('DATABASE_URL = (set)');
    expect(lines).toContain('WEBHOOK_SECRET = (not set)');
    expect(lines).toContain('AAOE_DATA_DIR = (default .aaoe)');
    expect(lines.join('\n')).not.toMatch(/BEGIN RSA|pw@db/);
    expect(lines).toHaveLength(VARIABLES.length);
  });
});
