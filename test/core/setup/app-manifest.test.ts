import { describe, expect, it } from 'vitest';
import { computeAppManifest, computeHookUrl, createAppUrl } from '../../../src/core/setup/app-manifest.js';
import { readAppYml } from '../../../src/adapters/files/app-yml.js';

/** The setup flow's manifest: the webhook is the app's webhook path under the public URL, or the smee.io channel. */

const appYml = readAppYml();
const base = { webhookPath: '/api/github/webhooks', setupOrigin: 'http://localhost:3000' };

describe('computeHookUrl', () => {
  it.each([
    [{ publicUrl: 'https://aaoe.example.com', proxyUrl: undefined }, 'https://aaoe.example.com/api/github/webhooks'],
    [
      { publicUrl: 'https://aaoe.example.com/some/page?x=1', proxyUrl: undefined },
      'https://aaoe.example.com/api/github/webhooks',
    ],
    [{ publicUrl: 'https://aaoe.example.com', proxyUrl: 'https://smee.io/abc' }, 'https://smee.io/abc'],
    [{ publicUrl: undefined, proxyUrl: 'https://smee.io/abc' }, 'https://smee.io/abc'],
  ])('%j -> %s', (settings, expected) => {
    expect(computeHookUrl({ ...settings, webhookPath: base.webhookPath })).toEqual({ ok: true, value: expected });
  });

  it.each([
    [{ publicUrl: undefined, proxyUrl: undefined }, 'no_webhook_url'],
    [{ publicUrl: 'aaoe.example.com', proxyUrl: undefined }, 'bad_public_url'],
    [{ publicUrl: 'ftp://aaoe.example.com', proxyUrl: undefined }, 'bad_public_url'],
    [{ publicUrl: undefined, proxyUrl: 'smee.io/abc' }, 'bad_proxy_url'],
  ])('%j is refused: %s', (settings, code) => {
    const hook = computeHookUrl({ ...settings, webhookPath: base.webhookPath });
    expect(hook.ok ? undefined : hook.problem.code).toBe(code);
  });

  it('follows WEBHOOK_PATH', () => {
    expect(computeHookUrl({ publicUrl: 'https://a.example', proxyUrl: undefined, webhookPath: 'hooks' })).toEqual({
      ok: true,
      value: 'https://a.example/hooks',
    });
  });
});

describe('computeAppManifest', () => {
  it("app.yml's events and permissions, with the hook, redirect and callback under the public URL", () => {
    const manifest = computeAppManifest(
      { ...appYml, hook_attributes: { url: 'http://localhost:3000/' }, redirect_url: 'https://evil.example/' },
      { ...base, publicUrl: 'https://aaoe.example.com', proxyUrl: undefined },
    );
    expect(manifest.ok).toBe(true);
    if (!manifest.ok) return;
    expect(manifest.value.hook_attributes).toEqual({
      url: 'https://aaoe.example.com/api/github/webhooks',
      active: true,
    });
    expect(manifest.value.hook_attributes.url.endsWith('/api/github/webhooks')).toBe(true);
    expect(manifest.value.redirect_url).toBe('https://aaoe.example.com/probot/setup');
    expect(manifest.value.callback_urls).toEqual(['https://aaoe.example.com/aaoe/callback']);
    expect(manifest.value.default_events).toEqual(appYml.default_events);
    expect(manifest.value.default_permissions).toEqual(appYml.default_permissions);
    expect(manifest.value.public).toBe(false);
  });

  it('local development: the smee.io channel, and the browser comes back to where it opened the setup', () => {
    const manifest = computeAppManifest(appYml, { ...base, publicUrl: undefined, proxyUrl: 'https://smee.io/abc' });
    expect(manifest.ok && manifest.value.hook_attributes.url).toBe('https://smee.io/abc');
    expect(manifest.ok && manifest.value.redirect_url).toBe('http://localhost:3000/probot/setup');
  });

  it('neither: no manifest (never localhost, which GitHub cannot reach)', () => {
    const manifest = computeAppManifest(appYml, { ...base, publicUrl: undefined, proxyUrl: undefined });
    expect(manifest.ok).toBe(false);
  });
});

describe('createAppUrl', () => {
  it.each([
    [undefined, 'https://github.com/settings/apps/new?state=s%201'],
    ['acme', 'https://github.com/organizations/acme/settings/apps/new?state=s%201'],
  ])('%s', (org, expected) => {
    expect(createAppUrl('https://github.com', org, 's 1')).toBe(expected);
  });
});
