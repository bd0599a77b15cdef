import type { ShapeRule } from './shape.js';

/**
 * Messaging, payments and other SaaS APIs. Each rule cites the provider's documentation of the format and the
 * gitleaks rule (github.com/gitleaks/gitleaks, cmd/generate/config/rules/) that describes it.
 */
export const SAAS_RULES: ShapeRule[] = [
  // Slack tokens: xoxb- (bot), xoxp- (user), xoxa-/xoxr- (workspace), xoxs-/xoxo- (legacy), xoxe- (refresh),
  // xoxe.xoxp- (configuration); digit groups and a random tail separated by hyphens.
  // https://api.slack.com/concepts/token-types ; gitleaks slack.go
  {
    id: 'slack-token',
    family: 'Slack',
    kind: 'a Slack token',
    pattern: /(?:xoxe\.)?xox[abeoprs]-[A-Za-z0-9-]{8,300}(?![A-Za-z0-9_-])/g,
    anchors: ['xox'],
    verify: (s) => /[0-9]/.test(s.slice(5)) && (s.split('-').length >= 3 || (/^xox[ar]-/.test(s) && s.length >= 15)),
  },
  // Slack app-level token: xapp-<n>-<app id>-<n>-<hex>. https://api.slack.com/authentication/token-types#app-level
  {
    id: 'slack-app-token',
    family: 'Slack',
    kind: 'a Slack app-level token',
    pattern: /xapp-\d-[A-Za-z0-9]{6,20}-\d{6,20}-[A-Za-z0-9]{20,100}(?![A-Za-z0-9])/g,
  },
  // Slack incoming webhook and workflow trigger URLs. https://api.slack.com/messaging/webhooks ; gitleaks slack.go
  {
    id: 'slack-webhook-url',
    family: 'Slack',
    kind: 'a Slack webhook URL',
    pattern: /hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/_-]{30,120}/g,
    anyBefore: true,
  },
  // Stripe secret and restricted keys: sk_/rk_ + live_/test_/prod_. https://docs.stripe.com/keys#obtain-api-keys ; gitleaks stripe.go
  {
    id: 'stripe-secret-key',
    family: 'Stripe',
    kind: 'a Stripe secret or restricted key',
    pattern: /[sr]k_(?:live|test|prod)_[A-Za-z0-9]{10,247}(?![A-Za-z0-9])/g,
    anchors: ['sk_', 'rk_'],
  },
  // Square: access token EAAA + 60 / sq0atp- + 22, OAuth secret sq0csp- + 43.
  // https://developer.squareup.com/docs/build-basics/access-tokens ; gitleaks square.go
  {
    id: 'square-token',
    family: 'Square',
    kind: 'a Square access token or secret',
    pattern: /(?:EAAA[A-Za-z0-9_-]{22,80}|sq0(?:atp|csp)-[A-Za-z0-9_\\-]{22,60})(?![A-Za-z0-9_-])/g,
    minEntropy: 3,
  },
  // Shopify: shpat_ (admin), shpca_ (custom app), shppa_ (private app), shpss_ (shared secret) + 32 hex.
  // https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens ; gitleaks shopify.go
  {
    id: 'shopify-token',
    family: 'Shopify',
    kind: 'a Shopify token or shared secret',
    pattern: /shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}(?![A-Za-z0-9])/g,
  },
  // SendGrid API key: SG. + 22 + . + 43 (ids may hold hyphens). https://www.twilio.com/docs/sendgrid/ui/account-and-settings/api-keys ; gitleaks sendgrid.go
  {
    id: 'sendgrid-api-key',
    family: 'SendGrid',
    kind: 'a SendGrid API key',
    pattern: /SG\.[A-Za-z0-9=_.-]{60,70}(?![A-Za-z0-9=_.-])/g,
    verify: (s) => !s.includes('..'),
  },
  // Brevo (Sendinblue) API key: xkeysib- + 64 hex + - + 16. https://developers.brevo.com/docs/getting-started ; gitleaks sendinblue.go
  {
    id: 'brevo-api-key',
    family: 'Brevo',
    kind: 'a Brevo (Sendinblue) API key',
    pattern: /xkeysib-[A-Fa-f0-9]{64}-[A-Za-z0-9]{16}(?![A-Za-z0-9])/g,
  },
  // Mailgun: private API key key- + 32 hex, public pubkey- + 32 hex, webhook signing key <32 hex>-<8>-<8>.
  // https://documentation.mailgun.com/docs/mailgun/api-reference/authentication/ ; gitleaks mailgun.go
  {
    id: 'mailgun-key',
    family: 'Mailgun',
    kind: 'a Mailgun API or signing key',
    pattern:
      /(?:(?:pub)?key-[a-f0-9]{32}|-[a-h0-9]{8}-[a-h0-9]{8}(?<=(?<lead>[a-h0-9]{32})-[a-h0-9]{8}-[a-h0-9]{8}))(?![A-Za-z0-9-])/g,
    anchors: ['key-', 'pubkey-', '-'],
    minEntropy: 3,
  },
  // Mailchimp API key: 32 hex + -us<datacenter>. https://mailchimp.com/developer/marketing/guides/quick-start/ ; gitleaks mailchimp.go
  {
    id: 'mailchimp-api-key',
    family: 'Mailchimp',
    kind: 'a Mailchimp API key',
    pattern: /-us\d{1,2}(?<=(?<lead>[0-9a-f]{32})-us\d{1,2})(?![A-Za-z0-9-])/g,
  },
  // Twilio API key SK + 32 hex; account SID AC + 32. https://www.twilio.com/docs/iam/api-keys ; gitleaks twilio.go
  {
    id: 'twilio-key',
    family: 'Twilio',
    kind: 'a Twilio API key or account SID',
    pattern: /(?:SK|AC)[0-9a-fA-F]{32}(?![A-Za-z0-9])/g,
    verify: (s) => /[0-9]/.test(s.slice(2)) && /[a-f]/i.test(s.slice(2)),
  },
  // Telegram bot token: <bot id>:<35 characters starting with A>. https://core.telegram.org/bots/api#authorizing-your-bot ; gitleaks telegram.go
  {
    id: 'telegram-bot-token',
    family: 'Telegram',
    kind: 'a Telegram bot token',
    pattern: /:A[A-Za-z0-9_-]{34}(?<=(?<![A-Za-z0-9_])(?<lead>\d{5,16}):A[A-Za-z0-9_-]{34})(?![A-Za-z0-9_-])/g,
  },
  // Discord bot token: base64 user id (M/N/O...) . 6 . 27+. https://discord.com/developers/docs/reference#authentication
  {
    id: 'discord-bot-token',
    family: 'Discord',
    kind: 'a Discord bot token',
    // the first part is the base64 of the bot's numeric id, so it starts with M, N or O
    pattern: /[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38}(?![A-Za-z0-9_-])/g,
    anchors: ['M', 'N', 'O'],
  },
  // Facebook: page/user access tokens EAA[MC]..., app access token <app id>|<secret>.
  // https://developers.facebook.com/docs/facebook-login/guides/access-tokens ; gitleaks facebook.go
  {
    id: 'facebook-access-token',
    family: 'Facebook',
    kind: 'a Facebook access token',
    pattern:
      /(?:EAA[MC][A-Za-z0-9]{100,400}|(?:\||%7C)(?<=(?<lead>\d{15,16})(?:\||%7C))[A-Za-z0-9_-]{27})(?![A-Za-z0-9_-])/g,
    anchors: ['EAA', '|', '%7C'],
  },
  // Twitter / X app-only bearer token: 22 A then 80-100. https://developer.x.com/en/docs/authentication/oauth-2-0/bearer-tokens ; gitleaks twitter.go
  {
    id: 'twitter-bearer-token',
    family: 'Twitter',
    kind: 'a Twitter bearer token',
    pattern: /A{22}[A-Za-z0-9%]{80,100}(?![A-Za-z0-9%])/g,
    anchors: ['AAAAAAAAAAAAAAAAAAAAAA'],
  },
  // Microsoft Teams incoming webhook URL. https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook ; gitleaks teams.go
  {
    id: 'microsoft-teams-webhook',
    family: 'Microsoft',
    kind: 'a Microsoft Teams webhook URL',
    pattern: /webhook\.office\.com\/webhookb2\/[A-Za-z0-9@/_-]{40,400}/g,
    anyBefore: true,
  },
  // Mapbox secret/public token: sk./pk. + 60 . 22. https://docs.mapbox.com/accounts/guides/tokens/ ; gitleaks mapbox.go
  {
    id: 'mapbox-token',
    family: 'Mapbox',
    kind: 'a Mapbox access token',
    pattern: /[sp]k\.[A-Za-z0-9]{60}\.[A-Za-z0-9]{22}(?![A-Za-z0-9])/g,
    anchors: ['sk.', 'pk.'],
  },
  // Notion integration token: ntn_ + 11 digits + 35, legacy secret_ + 43. https://developers.notion.com/docs/authorization ; gitleaks notion.go
  {
    id: 'notion-token',
    family: 'Notion',
    kind: 'a Notion integration token',
    pattern: /ntn_[0-9]{11}[A-Za-z0-9]{35}(?![A-Za-z0-9])/g,
    verify: (s) => /[A-Za-z]/.test(s.slice(15)),
  },
  // Lob API keys: live_/test_ + 35 hex, live_pub_/test_pub_ + 31 hex. https://docs.lob.com/#tag/Authentication ; gitleaks lob.go
  {
    id: 'lob-api-key',
    family: 'Lob',
    kind: 'a Lob API key',
    pattern: /(?:live|test)_(?:pub_[a-f0-9]{31}|[a-f0-9]{35})(?![A-Za-z0-9])/g,
  },
  // Plaid access token: access-<env>-<uuid>. https://plaid.com/docs/api/tokens/ ; gitleaks plaid.go
  {
    id: 'plaid-access-token',
    family: 'Plaid',
    kind: 'a Plaid access token',
    pattern:
      /access-(?:sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![A-Za-z0-9-])/g,
  },
  // Shippo API token: shippo_live_/shippo_test_ + 40 hex. https://docs.goshippo.com/docs/guides_general/authentication/ ; gitleaks shippo.go
  {
    id: 'shippo-token',
    family: 'Shippo',
    kind: 'a Shippo API token',
    pattern: /shippo_(?:live|test)_[a-fA-F0-9]{40}(?![A-Za-z0-9])/g,
  },
  // Duffel API token: duffel_live_/duffel_test_ + 43. https://duffel.com/docs/api/overview/making-requests/authentication ; gitleaks duffel.go
  {
    id: 'duffel-token',
    family: 'Duffel',
    kind: 'a Duffel API token',
    pattern: /duffel_(?:test|live)_[A-Za-z0-9_=-]{43}(?![A-Za-z0-9_=-])/g,
  },
  // Flutterwave keys: FLWPUBK_/FLWSECK_ + TEST/LIVE - 32 hex -X, encryption key FLWSECK_TEST + 12 hex.
  // https://developer.flutterwave.com/docs/integration-guides/authentication ; gitleaks flutterwave.go
  {
    id: 'flutterwave-key',
    family: 'Flutterwave',
    kind: 'a Flutterwave key',
    pattern: /FLW(?:PUBK|SECK)_(?:TEST|LIVE)-[a-hA-H0-9]{12,32}(?:-X)?(?![A-Za-z0-9])/g,
  },
  // EasyPost API keys: EZAK (production) / EZTK (test) + 54. https://docs.easypost.com/docs/authentication ; gitleaks easypost.go
  {
    id: 'easypost-api-key',
    family: 'EasyPost',
    kind: 'an EasyPost API key',
    pattern: /EZ[AT]K[A-Za-z0-9]{54}(?![A-Za-z0-9])/g,
  },
  // Adobe client secret: p8e- + 32. https://developer.adobe.com/developer-console/docs/guides/authentication/ ; gitleaks adobe.go
  {
    id: 'adobe-client-secret',
    family: 'Adobe',
    kind: 'an Adobe client secret',
    pattern: /p8e-[A-Za-z0-9]{32}(?![A-Za-z0-9])/g,
  },
  // Airtable personal access token: pat + 14 . 64 hex. https://airtable.com/developers/web/guides/personal-access-tokens ; gitleaks airtable.go
  {
    id: 'airtable-pat',
    family: 'Airtable',
    kind: 'an Airtable personal access token',
    pattern: /pat[A-Za-z0-9]{14}\.[a-f0-9]{64}(?![A-Za-z0-9])/g,
  },
  // Hugging Face user access token hf_ + 34 letters, organisation token api_org_ + 34 letters.
  // https://huggingface.co/docs/hub/security-tokens ; gitleaks huggingface.go
  {
    id: 'huggingface-token',
    family: 'Hugging Face',
    kind: 'a Hugging Face token',
    pattern: /(?:hf_|api_org_)[A-Za-z]{34}(?![A-Za-z0-9_])/g,
    verify: (s) => /[A-Z]/.test(s) && /[a-z]/.test(s.slice(s.indexOf('_') + 1)),
    minEntropy: 3,
  },
  // Intra 42 client secret: s-s4t2ud-/s-s4t2af- + 64 hex. https://api.intra.42.fr/apidoc/guides/getting_started ; gitleaks intra42.go
  {
    id: 'intra42-client-secret',
    family: 'Intra42',
    kind: 'an Intra 42 client secret',
    pattern: /s-s4t2(?:ud|af)-[a-f0-9]{64}(?![A-Za-z0-9])/g,
  },
  // MaxMind license key: 6 _ 29 _mmk. https://dev.maxmind.com/license-key-format ; gitleaks maxmind.go
  {
    id: 'maxmind-license-key',
    family: 'MaxMind',
    kind: 'a MaxMind license key',
    pattern: /_mmk(?<=(?<lead>[A-Za-z0-9]{6}_[A-Za-z0-9]{29})_mmk)(?![A-Za-z0-9_])/g,
  },
  // GoCardless live access token: live_ + 40. https://developer.gocardless.com/getting-started/api/making-your-first-request/ ; gitleaks gocardless.go
  {
    id: 'gocardless-token',
    family: 'GoCardless',
    kind: 'a GoCardless access token',
    pattern: /live_[A-Za-z0-9_=-]{40}(?![A-Za-z0-9_=-])/g,
    verify: (s) => /[0-9]/.test(s.slice(5)),
    minEntropy: 3,
  },
];
