import { readFileSync } from 'node:fs';
import type { Harness } from './app-harness.js';

/**
 * The drift scenario's repositories on the simulator: acme/architecture holds the architecture model
 * (test/fixtures/plans/architecture.yml), and acme/invoicing's policy names it; invoicing's package.json depends on
 * `dependencies`.
 */
export function addDriftRepos(h: Harness, installationId: number, dependencies: Record<string, string>): void {
  h.sim.addInstallation({
    id: installationId,
    account: 'acme',
    permissions: { checks: 'write', contents: 'write', issues: 'write', pull_requests: 'write', metadata: 'read' },
  });
  for (const name of ['architecture', 'invoicing'])
    h.sim.addRepo({ owner: 'acme', name, defaultBranch: 'main', installationId });
  h.sim.setFile({
    owner: 'acme',
    repo: 'architecture',
    branch: 'main',
    path: 'architecture.yml',
    content: readFileSync(new URL('../fixtures/plans/architecture.yml', import.meta.url), 'utf8'),
  });
  const file = (path: string, content: string) =>
    h.sim.setFile({ owner: 'acme', repo: 'invoicing', branch: 'main', path, content });
  file('.github/aaoe.yml', "drift: { model: 'acme/architecture:architecture.yml' }\n");
  file('.github/CODEOWNERS', '* @acme/billing\n');
  file('README.md', '# invoicing\n');
  file('openapi.yaml', 'openapi: 3.1.0\n');
  file('package.json', JSON.stringify({ name: '@acme/invoicing-client', dependencies }, null, 2));
}
