import { hasValidCrc32Suffix } from './checksum.js';
import type { ShapeRule } from './shape.js';

/**
 * Source hosting, package registries and developer platforms. Each rule cites the provider's documentation of the
 * format and the gitleaks rule (github.com/gitleaks/gitleaks, cmd/generate/config/rules/) that describes it.
 */
export const CODE_PLATFORM_RULES: ShapeRule[] = [
  // GitHub classic tokens: ghp_ (personal), gho_ (OAuth), ghu_ (user-to-server), ghs_ (server-to-server), ghr_
  // (refresh); 30 base62 characters + a 6-character base62 CRC32. A token whose checksum holds is reported whatever
  // its look; one whose checksum fails still is when it looks random (test fixtures and generated examples do).
  // https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/ ; gitleaks github.go
  {
    id: 'github-token',
    family: 'GitHub',
    kind: 'a GitHub token',
    pattern: /gh[pousr]_[A-Za-z0-9]{36}(?![A-Za-z0-9_])/g,
    checksum: (s) => hasValidCrc32Suffix(s),
    minEntropy: 3,
  },
  // GitHub fine-grained personal access token: github_pat_ + 22 + _ + 59 (82 word characters).
  // https://github.blog/changelog/2022-10-18-introducing-fine-grained-personal-access-tokens/ ; gitleaks github.go
  {
    id: 'github-fine-grained-pat',
    family: 'GitHub',
    kind: 'a GitHub fine-grained personal access token',
    pattern: /github_pat_[A-Za-z0-9_]{82}(?![A-Za-z0-9_])/g,
  },
  // GitLab tokens by prefix (glpat-, glptt-, glrt-, glcbt-, gldt-, glffct-, glft-, glimt-, glagent-, gloas-,
  // glsoat-), routable ones with a `.`-separated suffix. https://docs.gitlab.com/security/tokens/#token-prefixes ;
  // gitleaks gitlab.go
  {
    id: 'gitlab-token',
    family: 'GitLab',
    kind: 'a GitLab token',
    pattern:
      /gl(?:pat|ptt|rt|cbt|dt|ffct|ft|imt|agent|oas|soat)-[A-Za-z0-9_-]{20,300}(?:\.[A-Za-z0-9]{2,30})?(?![A-Za-z0-9_.-])/g,
  },
  // GitLab runner registration token (deprecated format): GR1348941 + 20. https://docs.gitlab.com/security/tokens/
  {
    id: 'gitlab-runner-registration-token',
    family: 'GitLab',
    kind: 'a GitLab runner registration token',
    pattern: /GR1348941[A-Za-z0-9_-]{20,60}(?![A-Za-z0-9_-])/g,
    verify: (s) => /[a-z]/i.test(s.slice(9)),
  },
  // GitLab session cookie _gitlab_session: 32 lower-case hex-like characters.
  // https://docs.gitlab.com/user/profile/#cookies-used-for-sign-in ; gitleaks gitlab.go (gitlab-session-cookie)
  {
    id: 'gitlab-session-cookie',
    family: 'GitLab',
    kind: 'a GitLab session cookie',
    pattern: /_gitlab_session=[0-9a-z]{32}(?![0-9a-z])/g,
    anyBefore: true,
  },
  // npm access tokens: npm_ + 30 base62 + 6-character CRC32, like GitHub's.
  // https://github.blog/changelog/2021-09-23-npm-has-a-new-access-token-format/ ; gitleaks npm.go
  {
    id: 'npm-token',
    family: 'npm',
    kind: 'an npm access token',
    pattern: /npm_[A-Za-z0-9]{36}(?![A-Za-z0-9_])/g,
    checksum: (s) => hasValidCrc32Suffix(s),
    minEntropy: 3,
  },
  // An .npmrc auth line: //registry/:_authToken=, _auth=, _password=. https://docs.npmjs.com/cli/v10/configuring-npm/npmrc#auth-related-configuration
  {
    id: 'npmrc-auth',
    family: 'npm',
    kind: 'an npm registry credential (.npmrc)',
    pattern: /\/\/[^\s:'"]{1,200}\/:_(?:authToken|auth|password)=[ \t]{0,3}(?<secret>[^\s'"$]{8,500})/dg,
    anyBefore: true,
  },
  // PyPI API tokens are macaroons: pypi-AgEIcHlwaS5vcmc (pypi.org) / pypi-AgENdGVzdC5weXBpLm9yZw (test.pypi.org).
  // https://pypi.org/help/#apitoken ; gitleaks pypi.go
  {
    id: 'pypi-token',
    family: 'PyPI',
    kind: 'a PyPI API token',
    pattern: /pypi-AgE[A-Za-z0-9_-]{50,1000}(?![A-Za-z0-9_-])/g,
  },
  // RubyGems API key: rubygems_ + 48 hex. https://guides.rubygems.org/api-key-scopes/ ; gitleaks rubygems.go
  {
    id: 'rubygems-token',
    family: 'RubyGems',
    kind: 'a RubyGems API key',
    pattern: /rubygems_[a-f0-9]{48}(?![A-Za-z0-9_])/g,
  },
  // Clojars deploy token: CLOJARS_ + 60. https://github.com/clojars/clojars-web/wiki/Deploy-Tokens ; gitleaks clojars.go
  {
    id: 'clojars-token',
    family: 'Clojars',
    kind: 'a Clojars deploy token',
    pattern: /CLOJARS_[A-Za-z0-9]{60}(?![A-Za-z0-9])/g,
  },
  // Docker Hub personal access token: dckr_pat_ + 27. https://docs.docker.com/security/for-developers/access-tokens/
  {
    id: 'docker-hub-pat',
    family: 'Docker',
    kind: 'a Docker Hub access token',
    pattern: /dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,32}(?![A-Za-z0-9_-])/g,
  },
  // Sourcegraph access tokens: sgp_<16 hex>_<40 hex>, sgp_local_<40 hex>, legacy sgp_<40 hex>.
  // https://sourcegraph.com/docs/cli/how-tos/creating_an_access_token ; gitleaks sourcegraph.go
  {
    id: 'sourcegraph-token',
    family: 'Sourcegraph',
    kind: 'a Sourcegraph access token',
    pattern: /sgp_(?:[a-fA-F0-9]{16}_|local_)?[a-fA-F0-9]{40}(?![A-Za-z0-9_])/g,
    minEntropy: 3.2,
  },
  // JFrog Artifactory API key (AKCp + 69) and reference token (cmVmd + 59). https://jfrog.com/help/r/jfrog-platform-administration-documentation/access-tokens ; gitleaks artifactory.go
  {
    id: 'artifactory-token',
    family: 'JFrog',
    kind: 'a JFrog Artifactory token',
    pattern: /(?:AKCp[A-Za-z0-9]{69}|cmVmd[A-Za-z0-9]{59})(?![A-Za-z0-9])/g,
    minEntropy: 3,
  },
  // Artifactory tokens as detect-secrets knows them: AKC + 10 or more, AP[0-9A-F] + 8 or more.
  // https://github.com/Yelp/detect-secrets/blob/master/detect_secrets/plugins/artifactory.py
  {
    id: 'artifactory-legacy-token',
    family: 'JFrog',
    kind: 'a JFrog Artifactory token',
    pattern: /(?:AKC[A-Za-z0-9]{10,80}|AP[0-9A-F][A-Za-z0-9]{8,80})(?![A-Za-z0-9])/g,
    verify: (s) => /[0-9]/.test(s.slice(3)) && /[a-z]/.test(s),
    minEntropy: 3,
  },
  // SonarQube / SonarCloud tokens: squ_ (user), sqp_ (project), sqa_ (global analysis) + 40 hex.
  // https://docs.sonarsource.com/sonarqube-server/latest/user-guide/managing-tokens/
  {
    id: 'sonar-token',
    family: 'Sonar',
    kind: 'a SonarQube token',
    pattern: /sq[upa]_[a-f0-9]{40}(?![A-Za-z0-9_])/g,
  },
  // Postman API key: PMAK- + 24 hex + - + 34 hex. https://learning.postman.com/docs/developer/postman-api/authentication/ ; gitleaks postman.go
  {
    id: 'postman-api-key',
    family: 'Postman',
    kind: 'a Postman API key',
    pattern: /PMAK-[A-Fa-f0-9]{24}-[A-Fa-f0-9]{34}(?![A-Za-z0-9])/g,
  },
  // ReadMe API key: rdme_ + 70. https://docs.readme.com/main/reference/intro/authentication ; gitleaks readme.go
  {
    id: 'readme-api-key',
    family: 'ReadMe',
    kind: 'a ReadMe API key',
    pattern: /rdme_[a-z0-9]{70}(?![A-Za-z0-9])/g,
  },
  // Pulumi access token: pul- + 40 hex. https://www.pulumi.com/docs/pulumi-cloud/access-management/access-tokens/ ; gitleaks pulumi.go
  { id: 'pulumi-token', family: 'Pulumi', kind: 'a Pulumi access token', pattern: /pul-[a-f0-9]{40}(?![A-Za-z0-9])/g },
  // Prefect API key: pnu_ + 36. https://docs.prefect.io/v3/manage/cloud/manage-users/api-keys ; gitleaks prefect.go
  {
    id: 'prefect-api-key',
    family: 'Prefect',
    kind: 'a Prefect API key',
    pattern: /pnu_[A-Za-z0-9]{36}(?![A-Za-z0-9])/g,
  },
  // HashiCorp Terraform Cloud token: 14 + .atlasv1. + 60-70. https://developer.hashicorp.com/terraform/cloud-docs/users-teams-organizations/api-tokens ; gitleaks hashicorp.go
  {
    id: 'terraform-cloud-token',
    family: 'HashiCorp',
    kind: 'a Terraform Cloud API token',
    pattern: /\.atlasv1\.(?<=(?<lead>[A-Za-z0-9]{14})\.atlasv1\.)[A-Za-z0-9=_-]{60,70}(?![A-Za-z0-9=_-])/g,
  },
  // HashiCorp Vault tokens: hvs. / hvb. / hvr. (service, batch, recovery), legacy s. + 24.
  // https://developer.hashicorp.com/vault/docs/concepts/tokens#token-prefixes ; gitleaks hashicorp_vault.go
  {
    id: 'vault-token',
    family: 'HashiCorp',
    kind: 'a HashiCorp Vault token',
    pattern: /hv[sbr]\.[A-Za-z0-9_-]{90,300}(?![A-Za-z0-9_-])/g,
  },
  // Legacy Vault service token: s. + 24 (before Vault 1.10). https://developer.hashicorp.com/vault/docs/concepts/tokens#token-prefixes
  {
    id: 'vault-legacy-token',
    family: 'HashiCorp',
    kind: 'a HashiCorp Vault token',
    pattern: /s\.[A-Za-z0-9]{24}(?![A-Za-z0-9_.-])/g,
    anchors: ['s.'],
    verify: (s) => /[0-9]/.test(s) && /[a-z]/.test(s.slice(2)) && /[A-Z]/.test(s),
    minEntropy: 3.5,
  },
  // Doppler tokens: dp.pt. / dp.st. / dp.ct. / dp.scim. / dp.audit. + 40-44. https://docs.doppler.com/docs/token-formats ; gitleaks doppler.go
  {
    id: 'doppler-token',
    family: 'Doppler',
    kind: 'a Doppler token',
    pattern: /dp\.(?:pt|st|ct|sa|scim|audit)\.[A-Za-z0-9]{40,44}(?![A-Za-z0-9])/g,
  },
  // Octopus Deploy API key: API- + 26 upper-case letters and digits. https://octopus.com/docs/octopus-rest-api/how-to-create-an-api-key ; gitleaks octopusdeploy.go
  {
    id: 'octopus-deploy-api-key',
    family: 'Octopus Deploy',
    kind: 'an Octopus Deploy API key',
    pattern: /API-[A-Z0-9]{26}(?![A-Za-z0-9])/g,
    verify: (s) => /[0-9]/.test(s.slice(4)),
  },
  // Harness personal and service account tokens: pat./sat. + 22 . 24 . 20. https://developer.harness.io/docs/platform/automation/api/add-and-manage-api-keys/ ; gitleaks harness.go
  {
    id: 'harness-token',
    family: 'Harness',
    kind: 'a Harness API token',
    pattern: /(?:pat|sat)\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20}(?![A-Za-z0-9])/g,
  },
  // Databricks personal access token: dapi + 32 hex, optional -<n>. https://docs.databricks.com/en/dev-tools/auth/pat.html ; gitleaks databricks.go
  {
    id: 'databricks-token',
    family: 'Databricks',
    kind: 'a Databricks access token',
    pattern: /dapi[a-f0-9]{32}(?:-\d)?(?![A-Za-z0-9])/g,
  },
  // Grafana: API key (eyJrIjoi...), Cloud token glc_, service account token glsa_<32>_<8 hex>.
  // https://grafana.com/docs/grafana/latest/administration/service-accounts/ ; gitleaks grafana.go
  {
    id: 'grafana-token',
    family: 'Grafana',
    kind: 'a Grafana token',
    pattern:
      /(?:eyJrIjoi[A-Za-z0-9]{70,400}={0,3}|glc_[A-Za-z0-9+/]{32,400}={0,3}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})(?![A-Za-z0-9+/=_])/g,
    minEntropy: 3,
  },
  // Sentry tokens: org auth token sntrys_eyJ...<base64 JSON>_<43>, user token sntryu_ + 64 hex.
  // https://docs.sentry.io/account/auth-tokens/ ; gitleaks sentry.go
  {
    id: 'sentry-token',
    family: 'Sentry',
    kind: 'a Sentry auth token',
    pattern: /(?:sntrys_eyJ[A-Za-z0-9+/=]{30,600}_[A-Za-z0-9+/]{43}|sntryu_[a-f0-9]{64})(?![A-Za-z0-9+/=_])/g,
  },
  // New Relic keys: NRAK- (user), NRII- (insert), NRJS- (browser), NRAA- (admin). https://docs.newrelic.com/docs/apis/intro-apis/new-relic-api-keys/ ; gitleaks newrelic.go
  {
    id: 'new-relic-key',
    family: 'New Relic',
    kind: 'a New Relic API key',
    pattern: /NR(?:AK|II|JS|AA)-[A-Za-z0-9-]{19,40}(?![A-Za-z0-9-])/g,
  },
  // Dynatrace API token: dt0c01.<24>.<64>. https://docs.dynatrace.com/docs/manage/identity-access-management/access-tokens-and-oauth-clients/access-tokens ; gitleaks dynatrace.go
  {
    id: 'dynatrace-token',
    family: 'Dynatrace',
    kind: 'a Dynatrace API token',
    pattern: /dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}(?![A-Za-z0-9])/g,
  },
  // SettleMint tokens: sm_aat_ / sm_pat_ / sm_sat_ + 16. https://console.settlemint.com/documentation ; gitleaks settlemint.go
  {
    id: 'settlemint-token',
    family: 'SettleMint',
    kind: 'a SettleMint access token',
    pattern: /sm_(?:aat|pat|sat)_[a-z0-9]{16}(?![a-z0-9])/g,
  },
  // Typeform personal token: tfp_ + 59. https://www.typeform.com/developers/get-started/personal-access-token/ ; gitleaks typeform.go
  {
    id: 'typeform-token',
    family: 'Typeform',
    kind: 'a Typeform token',
    pattern: /tfp_[A-Za-z0-9_=.-]{59}(?![A-Za-z0-9_=.-])/g,
  },
  // Linear API key: lin_api_ + 40. https://linear.app/developers/graphql#authentication ; gitleaks linear.go
  {
    id: 'linear-api-key',
    family: 'Linear',
    kind: 'a Linear API key',
    pattern: /lin_api_[A-Za-z0-9]{40}(?![A-Za-z0-9])/g,
  },
  // Atlassian API token (2023+): ATATT3 + 186. https://support.atlassian.com/atlassian-account/docs/manage-api-tokens-for-your-atlassian-account/ ; gitleaks atlassian.go
  {
    id: 'atlassian-api-token',
    family: 'Atlassian',
    kind: 'an Atlassian API token',
    pattern: /ATATT3[A-Za-z0-9_=-]{186}(?![A-Za-z0-9_=-])/g,
  },
];
