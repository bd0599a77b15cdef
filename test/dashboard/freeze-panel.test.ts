import { describe, expect, it } from 'vitest';
import type { FreezeView } from '../../src/dashboard/dashboard-data.js';
import { freezePanel } from '../../src/dashboard/freeze-panel.js';

const freeze = (over: Partial<FreezeView>): FreezeView => ({
  id: 1,
  scope: 'org',
  agent: null,
  reason: 'incident 42',
  since: '2026-12-08T03:00:00.000Z',
  until: null,
  by: { login: 'olga-owner', id: 7 },
  liftedAt: null,
  liftedBy: null,
  inForce: true,
  ...over,
});

describe('the stop-the-line panel of the overview', () => {
  it('says nothing is frozen when nothing ever was', () => {
    expect(freezePanel([]).text).toContain('Nothing is frozen organisation-wide.');
  });

  it('shows what is in force, by whom and why, and what ended, with who lifted it', () => {
    const text = freezePanel([
      freeze({ id: 3, scope: 'agent', agent: 'claude', reason: 'leaking tokens' }),
      freeze({ id: 2 }),
      freeze({ id: 1, liftedAt: '2026-12-08T02:00:00.000Z', liftedBy: 'otto-owner', inForce: false }),
    ]).text;
    expect(text).toMatch(/agent claude frozen by @olga-owner; the organisation frozen by @olga-owner/);
    expect(text).toMatch(/<tr data-freeze="3" class="in-force">[\s\S]*leaking tokens/);
    expect(text).toMatch(/<tr data-freeze="1" class="ended">[\s\S]*by @otto-owner/);
    expect(text).toContain('until lifted');
  });

  it('escapes the reason, which anyone who may freeze wrote', () => {
    const text = freezePanel([freeze({ reason: '<img src=x onerror=alert(1)>' })]).text;
    expect(text).not.toContain('<img');
    expect(text).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});
