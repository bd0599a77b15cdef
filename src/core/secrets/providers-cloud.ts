import type { ShapeRule } from './shape.js';

/**
 * Cloud and infrastructure providers. Each rule cites the provider's documentation of the format and the gitleaks
 * rule (github.com/gitleaks/gitleaks, cmd/generate/config/rules/) that describes it.
 */
export const CLOUD_RULES: ShapeRule[] = [
  // AWS access key ids: AKIA (user), ASIA (temporary), ABIA (STS service bearer), ACCA (context), A3T*; 16 base32.
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids ; gitleaks aws.go
  {
    id: 'aws-access-key-id',
    family: 'AWS',
    kind: 'an AWS access key id',
    pattern: /(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Za-z0-9])/g,
    minEntropy: 0,
  },
  // Amazon Bedrock API keys: long-lived ABSK + base64 of "BedrockAPIKey-..."; short-lived bedrock-api-key- + base64
  // of "bedrock.amazonaws.com...". https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys-how.html ; gitleaks aws.go
  {
    id: 'aws-bedrock-api-key',
    family: 'AWS',
    kind: 'an Amazon Bedrock API key',
    pattern:
      /(?:ABSKQmVkcm9ja0FQSUtleS[A-Za-z0-9+/]{100,300}={0,2}|bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/=%&._-]{0,500})(?![A-Za-z0-9+/=])/g,
  },
  // AWS AppSync API key: da2- + 26. https://docs.aws.amazon.com/appsync/latest/devguide/security-authz.html#api-key-authorization
  {
    id: 'aws-appsync-api-key',
    family: 'AWS',
    kind: 'an AWS AppSync API key',
    pattern: /da2-[a-z0-9]{26}(?![a-z0-9])/g,
    verify: (s) => /[0-9]/.test(s.slice(4)),
  },
  // Google API key: AIza + 35. https://cloud.google.com/docs/authentication/api-keys ; gitleaks gcp.go
  { id: 'gcp-api-key', family: 'Google', kind: 'a Google API key', pattern: /AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/g },
  // Google OAuth client secret: GOCSPX- + 28. https://developers.google.com/identity/protocols/oauth2
  {
    id: 'gcp-oauth-client-secret',
    family: 'Google',
    kind: 'a Google OAuth client secret',
    pattern: /GOCSPX-[A-Za-z0-9_-]{28}(?![A-Za-z0-9_-])/g,
  },
  // Azure AD (Entra ID) client secret: 3 characters, a digit, Q~, then 31-34.
  // https://learn.microsoft.com/en-us/purview/sit-defn-client-secret-api-key ; gitleaks azure.go
  {
    id: 'azure-ad-client-secret',
    family: 'Azure',
    kind: 'an Azure AD client secret',
    pattern: /Q~(?<=(?<lead>[A-Za-z0-9_~.]{3}\d)Q~)[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])/g,
    minEntropy: 3,
  },
  // Azure storage account key in a connection string: AccountKey=<86 base64>==; SharedAccessKey= for Service Bus /
  // Event Hubs. https://learn.microsoft.com/en-us/azure/storage/common/storage-configure-connection-string
  {
    id: 'azure-storage-key',
    family: 'Azure',
    kind: 'an Azure storage or Service Bus key',
    pattern: /(?:AccountKey|SharedAccessKey)=(?<secret>[A-Za-z0-9+/]{40,100}={0,2})/dg,
    anyBefore: true,
  },
  // DigitalOcean tokens: dop_v1_ (personal), doo_v1_ (OAuth), dor_v1_ (refresh) + 64 hex.
  // https://docs.digitalocean.com/reference/api/create-personal-access-token/ ; gitleaks digitalocean.go
  {
    id: 'digitalocean-token',
    family: 'DigitalOcean',
    kind: 'a DigitalOcean token',
    pattern: /do[opr]_v1_[a-f0-9]{64}(?![A-Za-z0-9])/g,
  },
  // Heroku platform API key (2024+): HRKU-AA + 58. https://devcenter.heroku.com/articles/authentication ; gitleaks heroku.go
  {
    id: 'heroku-api-key',
    family: 'Heroku',
    kind: 'a Heroku API key',
    pattern: /HRKU-AA[A-Za-z0-9_-]{58}(?![A-Za-z0-9_-])/g,
  },
  // Alibaba Cloud AccessKey id: LTAI + 20. https://www.alibabacloud.com/help/en/ram/user-guide/create-an-accesskey-pair ; gitleaks alibaba.go
  {
    id: 'alibaba-access-key-id',
    family: 'Alibaba',
    kind: 'an Alibaba Cloud AccessKey id',
    pattern: /LTAI[A-Za-z0-9]{20}(?![A-Za-z0-9])/g,
  },
  // Yandex Cloud: IAM token t1.<...>.<86>, API key AQVN + 35-38, static key YC + 38.
  // https://yandex.cloud/en/docs/iam/concepts/authorization/ ; gitleaks yandex.go
  {
    id: 'yandex-cloud-token',
    family: 'Yandex',
    kind: 'a Yandex Cloud credential',
    pattern:
      /(?:t1\.[A-Z0-9a-z_-]{1,100}={0,2}\.[A-Z0-9a-z_-]{86}={0,2}|AQVN[A-Za-z0-9_-]{35,38}|YC[A-Za-z0-9_-]{38})(?![A-Za-z0-9_=-])/g,
    minEntropy: 3,
  },
  // Cloudflare Origin CA key: v1.0- + 24 hex + - + 146 hex. https://developers.cloudflare.com/fundamentals/api/get-started/ca-keys/ ; gitleaks cloudflare.go
  {
    id: 'cloudflare-origin-ca-key',
    family: 'Cloudflare',
    kind: 'a Cloudflare Origin CA key',
    pattern: /v1\.0-[a-f0-9]{24}-[a-f0-9]{146}(?![A-Za-z0-9])/g,
  },
  // Fly.io tokens: fo1_ + 43, fm1r_/fm1a_/fm2_ macaroons. https://fly.io/docs/security/tokens/ ; gitleaks flyio.go
  {
    id: 'flyio-token',
    family: 'Fly.io',
    kind: 'a Fly.io access token',
    pattern:
      /(?:fo1_[A-Za-z0-9_-]{43}|fm1[ar]_[A-Za-z0-9+/]{100,1000}={0,3}|fm2_[A-Za-z0-9+/]{100,1000}={0,3})(?![A-Za-z0-9_+/=-])/g,
  },
  // PlanetScale: pscale_tkn_ (service token), pscale_oauth_, pscale_pw_ (password) + 32-64.
  // https://planetscale.com/docs/concepts/service-tokens ; gitleaks planetscale.go
  {
    id: 'planetscale-token',
    family: 'PlanetScale',
    kind: 'a PlanetScale token or password',
    pattern: /pscale_(?:tkn|oauth|pw)_[A-Za-z0-9=._-]{32,64}(?![A-Za-z0-9=._-])/g,
  },
  // Scalingo API token: tk-us- + 48. https://doc.scalingo.com/platform/user-management/api-tokens ; gitleaks scalingo.go
  {
    id: 'scalingo-token',
    family: 'Scalingo',
    kind: 'a Scalingo API token',
    pattern: /tk-us-[A-Za-z0-9_-]{48}(?![A-Za-z0-9_-])/g,
  },
  // OpenShift user token: sha256~ + 43. https://docs.redhat.com/en/documentation/openshift_container_platform/4.14/html/authentication_and_authorization/understanding-authentication ; gitleaks openshift.go
  {
    id: 'openshift-user-token',
    family: 'OpenShift',
    kind: 'an OpenShift user token',
    pattern: /sha256~[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g,
  },
  // 1Password secret key (A3-...) and service account token (ops_eyJ...). https://support.1password.com/secret-key/ ;
  // https://developer.1password.com/docs/service-accounts/ ; gitleaks 1password.go
  {
    id: '1password-secret-key',
    family: '1Password',
    kind: 'a 1Password secret key',
    pattern:
      /A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}(?![A-Za-z0-9])/g,
    minEntropy: 3,
  },
  // 1Password service account token: ops_ + base64 JSON. https://developer.1password.com/docs/service-accounts/
  {
    id: '1password-service-account-token',
    family: '1Password',
    kind: 'a 1Password service account token',
    pattern: /ops_eyJ[A-Za-z0-9+/]{100,1000}={0,3}(?![A-Za-z0-9+/=])/g,
  },
  // age secret key: AGE-SECRET-KEY-1 + 58 bech32. https://age-encryption.org/v1 ; gitleaks age.go
  {
    id: 'age-secret-key',
    family: 'age',
    kind: 'an age secret key',
    pattern: /AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}(?![A-Za-z0-9])/g,
    keepPlaceholders: true,
    minEntropy: 0,
  },
  // Defined Networking API token: dnkey- + 26 - 52. https://docs.defined.net/guides/automating-host-creation/ ; gitleaks definednetworking.go
  {
    id: 'defined-networking-token',
    family: 'Defined Networking',
    kind: 'a Defined Networking API token',
    pattern: /dnkey-[A-Za-z0-9=_-]{26}-[A-Za-z0-9=_-]{52}(?![A-Za-z0-9=_-])/g,
  },
  // Infracost API key: ico- + 32. https://www.infracost.io/docs/features/environment_variables/ ; gitleaks infracost.go
  {
    id: 'infracost-api-key',
    family: 'Infracost',
    kind: 'an Infracost API key',
    pattern: /ico-[A-Za-z0-9]{32}(?![A-Za-z0-9])/g,
    verify: (s) => /[A-Z]/.test(s) && /[a-z]/.test(s.slice(4)),
  },
  // Authress service client access key. https://authress.io/knowledge-base/docs/authorization/service-clients ; gitleaks authress.go
  {
    id: 'authress-access-key',
    family: 'Authress',
    kind: 'an Authress access key',
    pattern:
      /(?:sc|ext|scauth|authress)_[a-z0-9]{5,30}\.[a-z0-9]{4,6}\.acc[_-][a-z0-9-]{10,32}\.[a-z0-9+/_=-]{30,120}(?![a-z0-9+/_=-])/g,
  },
  // ClickHouse Cloud API secret key: 4b1d + 38. https://clickhouse.com/docs/cloud/manage/openapi ; gitleaks clickhouse.go
  {
    id: 'clickhouse-api-secret',
    family: 'ClickHouse',
    kind: 'a ClickHouse Cloud API secret',
    pattern: /4b1d[A-Za-z0-9]{38}(?![A-Za-z0-9])/g,
  },
  // Frame.io API token: fio-u- + 64. https://developer.frame.io/docs/getting-started/authentication ; gitleaks frameio.go
  {
    id: 'frameio-token',
    family: 'Frame.io',
    kind: 'a Frame.io API token',
    pattern: /fio-u-[A-Za-z0-9_=-]{64}(?![A-Za-z0-9_=-])/g,
  },
  // Kubernetes / Rancher and other JWT-style bearer secrets are covered by the JWT rule (structured.ts).
];
