import { describe, expect, it } from 'vitest';
import { NotificationsPolicy, SelfHealPolicy } from '../../../src/core/notify/notifications-schema.js';
import { notifyDestinationsFromEnv, parseNotifyDestinations } from '../../../src/adapters/notify/config.js';

const SECRET = 'a-webhook-secret-of-some-length';

describe('the operator destinations (AAOE_NOTIFY_DESTINATIONS)', () => {
  it('reads named Slack and webhook destinations from YAML, resolving a secret from the environment', () => {
    const parsed = parseNotifyDestinations(
      [
        'destinations:',
        '  ops-slack: { type: slack, url: "https://hooks.slack.com/services/T0/B0/xyz" }',
        '  pager: { type: webhook, url: "https://pager.example.com/aaoe", secretEnv: PAGER_SECRET }',
        'delivery: { attempts: 3, initialDelayMs: 10 }',
      ].join('\n'),
      { PAGER_SECRET: SECRET },
    );
    expect(parsed).toEqual({
      ok: true,
      value: {
        destinations: {
          'ops-slack': { type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/xyz' },
          pager: { type: 'webhook', url: 'https://pager.example.com/aaoe', secret: SECRET },
        },
        delivery: { attempts: 3, initialDelayMs: 10, maxDelayMs: 10_000, timeoutMs: 10_000 },
      },
    });
  });

  it.each([
    [
      'a missing secret variable',
      { destinations: { pager: { type: 'webhook', url: 'https://x.example/h', secretEnv: 'NOPE' } } },
      /destinations\.pager\.secretEnv: the environment variable NOPE is not set/,
    ],
    [
      'an unsigned webhook',
      { destinations: { pager: { type: 'webhook', url: 'https://x.example/h' } } },
      /destinations\.pager\.secretEnv: give exactly one of "secretEnv"/,
    ],
    [
      'both secret forms',
      { destinations: { pager: { type: 'webhook', url: 'https://x.example/h', secret: SECRET, secretEnv: 'S' } } },
      /destinations\.pager\.secretEnv: give exactly one/,
    ],
    [
      'an unknown type',
      { destinations: { chat: { type: 'teams', url: 'https://x.example/h' } } },
      /destinations\.chat\.type/,
    ],
    [
      'an unknown key',
      { destinations: { chat: { type: 'slack', url: 'https://x.example/h', channel: '#ops' } } },
      /destinations\.chat: Unrecognized key: "channel"/,
    ],
    [
      'plain http to another host',
      { destinations: { chat: { type: 'slack', url: 'http://hooks.example.com/h' } } },
      /destinations\.chat\.url: an https:\/\/ URL/,
    ],
    [
      'the reserved name github',
      { destinations: { github: { type: 'slack', url: 'https://x.example/h' } } },
      /destinations\.github: "github" is reserved/,
    ],
    [
      'a bad name',
      { destinations: { 'ops slack': { type: 'slack', url: 'https://x.example/h' } } },
      /destinations\.ops slack: a destination name: letters/,
    ],
    [
      'retries that would outlive the job',
      { delivery: { attempts: 10, timeoutMs: 60_000 } },
      /delivery\.attempts: a send could take 665 s/,
    ],
    [
      'a short inline secret',
      { destinations: { pager: { type: 'webhook', url: 'https://x.example/h', secret: 'short' } } },
      /destinations\.pager\.secret: a secret of at least 16/,
    ],
  ])('names the bad key: %s', (_name, file, message) => {
    const parsed = parseNotifyDestinations(JSON.stringify(file), {});
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.errors.join('\n')).toMatch(message);
  });

  it('takes inline JSON or a file path from the environment, and stops the start on a broken one', () => {
    const inline = notifyDestinationsFromEnv({
      AAOE_NOTIFY_DESTINATIONS: JSON.stringify({ destinations: { s: { type: 'slack', url: 'http://127.0.0.1:9/h' } } }),
    });
    expect(inline.destinations).toEqual({ s: { type: 'slack', url: 'http://127.0.0.1:9/h' } });
    const fromFile = notifyDestinationsFromEnv(
      { AAOE_NOTIFY_DESTINATIONS: '/etc/aaoe/notify.yml', S: SECRET },
      (path) => {
        expect(path).toBe('/etc/aaoe/notify.yml');
        return 'destinations:\n  w: { type: webhook, url: "https://w.example/x", secretEnv: S }\n';
      },
    );
    expect(fromFile.destinations.w).toEqual({ type: 'webhook', url: 'https://w.example/x', secret: SECRET });
    expect(notifyDestinationsFromEnv({}).destinations).toEqual({});
    expect(() =>
      notifyDestinationsFromEnv({
        AAOE_NOTIFY_DESTINATIONS: '{"destinations": {"w": {"type": "webhook", "url": "https://w.example"}}}',
      }),
    ).toThrow(/AAOE_NOTIFY_DESTINATIONS \(inline JSON\): destinations\.w\.secretEnv/);
    expect(() =>
      notifyDestinationsFromEnv({ AAOE_NOTIFY_DESTINATIONS: '/nowhere.yml' }, () => {
        throw new Error('ENOENT');
      }),
    ).toThrow(/cannot read \/nowhere\.yml: ENOENT/);
  });

  it('never puts a secret in an error message: a short secret, inline or in the environment, is named by where it is', () => {
    const short = 'short-secret-15';
    const inline = parseNotifyDestinations(
      JSON.stringify({ destinations: { w: { type: 'webhook', url: 'not a url', secret: short } } }),
      {},
    );
    expect(inline).toEqual({
      ok: false,
      errors: [
        expect.stringMatching(/^destinations\.w\.url: /),
        'destinations.w.secret: a secret of at least 16 characters',
      ],
    });
    const fromEnv = parseNotifyDestinations(
      JSON.stringify({ destinations: { w: { type: 'webhook', url: 'https://w.example', secretEnv: 'W_SECRET' } } }),
      { W_SECRET: short },
    );
    expect(fromEnv).toEqual({
      ok: false,
      errors: ['destinations.w.secretEnv: the secret in W_SECRET is shorter than 16 characters'],
    });
    for (const parsed of [inline, fromEnv]) expect(parsed.ok ? '' : parsed.errors.join('\n')).not.toContain(short);
  });
});

describe('the repository routes (notifications:) and selfHeal', () => {
  it('defaults to no routes and selfHeal off', () => {
    expect(NotificationsPolicy.parse(undefined)).toEqual([]);
    expect(SelfHealPolicy.parse(undefined)).toBe('off');
  });

  it('accepts destination routes and GitHub routes with mentions and places', () => {
    const routes = NotificationsPolicy.parse([
      { to: 'ops-slack', on: ['rollback', 'failed'] },
      { to: 'github', on: ['rollback', 'debug_issue'], mention: ['@acme/sre', '@octocat'], where: ['pull_request'] },
    ]);
    expect(routes[1]).toEqual({
      to: 'github',
      on: ['rollback', 'debug_issue'],
      mention: ['@acme/sre', '@octocat'],
      where: ['pull_request'],
    });
  });

  it.each([
    ['an unknown event', [{ to: 'x', on: ['deployed'] }], /0\.on\.0/],
    ['no events', [{ to: 'x', on: [] }], /list at least one event/],
    [
      'mentions on an operator destination',
      [{ to: 'ops', on: ['failed'], mention: ['@a'] }],
      /"mention" is for "to: github" only/,
    ],
    [
      'a mention that is not one',
      [{ to: 'github', on: ['failed'], mention: ['everyone'] }],
      /a mention: @user or @org\/team-slug/,
    ],
    ['an unknown key', [{ to: 'github', on: ['failed'], url: 'https://x' }], /Unrecognized key: "url"/],
    ['a bad place', [{ to: 'github', on: ['failed'], where: ['discussion'] }], /where/],
  ])('refuses %s', (_name, routes, message) => {
    const parsed = NotificationsPolicy.safeParse(routes);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n')).toMatch(message);
  });
});
