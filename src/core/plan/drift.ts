import { z } from 'zod';
import { ownersOf, parseCodeowners } from '../agent/codeowners.js';
import { loadYamlFile, type PlanError } from './load-plan.js';
import { type Locate } from '../policy/yaml-nodes.js';
import { Repository, Team } from './schema.js';
import { trimTrailingSlashes } from '../text/slashes.js';
import { sha256Hex } from '../text/digest.js';

/**
 * Drift: an architecture model (services, their repositories and teams, the dependencies each may have, the
 * files each must have) checked against what a repository holds. The checker is pure over a port that reads
 * files; each finding carries its evidence and a fingerprint that stays the same from one check to the next
 * (it names the service and the subject, never a commit or a line), so a check on every push finds the same
 * fingerprint and one issue is kept, not one per push.
 *
 * Dependencies are read from npm manifests (`package.json`: dependencies, devDependencies, peerDependencies,
 * optionalDependencies): a service depends on another when it names one of the packages the other publishes.
 */

const ServiceName = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a service name: lowercase letters, digits and dashes');
const RelativePath = z
  .string()
  .regex(/^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[^\0]*$/, 'a relative path inside the repository, without `..`');

export const Service = z.strictObject({
  repository: Repository,
  team: Team,
  /** The service's directory in its repository ('' for the whole repository). */
  path: RelativePath.default(''),
  /** Package names the service publishes: how other services' manifests name it. */
  packages: z.array(z.string().min(1)).default([]),
  /** The services this one may depend on. */
  dependsOn: z.array(ServiceName).default([]),
  /** Files the service must have, relative to its directory. */
  requiredFiles: z.array(RelativePath.min(1)).default([]),
});
export type Service = z.infer<typeof Service>;

export const ArchitectureModel = z.strictObject({
  services: z.record(ServiceName, Service),
});
export type ArchitectureModel = z.infer<typeof ArchitectureModel>;

export type ModelLoad = { ok: true; model: ArchitectureModel; locate: Locate } | { ok: false; errors: PlanError[] };

/** Loads an architecture model file; `dependsOn` must name services, and a package belongs to one service. */
export function loadArchitectureModel(text: string, file: string): ModelLoad {
  const loaded = loadYamlFile(ArchitectureModel, text, file, 'architecture model');
  if (!loaded.ok) return loaded;
  const { value: model, locate } = loaded;
  const errors: PlanError[] = [];
  const names = Object.keys(model.services);
  const publisher = new Map<string, string>();
  for (const [name, service] of Object.entries(model.services)) {
    service.dependsOn.forEach((dep, i) => {
      if (!Object.hasOwn(model.services, dep)) {
        errors.push({
          file,
          ...locate(['services', name, 'dependsOn', i]),
          path: `services.${name}.dependsOn[${i}]`,
          message: `unknown service "${dep}"`,
          hint: `name a service of the model: ${names.join(', ')}`,
        });
      }
    });
    service.packages.forEach((pkg, i) => {
      const other = publisher.get(pkg);
      if (other !== undefined && other !== name) {
        errors.push({
          file,
          ...locate(['services', name, 'packages', i]),
          path: `services.${name}.packages[${i}]`,
          message: `package "${pkg}" is already published by service "${other}"`,
          hint: 'a package belongs to one service: remove it from one of them',
        });
      }
      publisher.set(pkg, name);
    });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, model, locate };
}

/** Reads a file of a repository at the commit being checked: undefined when there is no such file. */
export type RepositoryFiles = (repository: string, path: string) => Promise<string | undefined>;

export type DriftFinding =
  | {
      kind: 'forbidden-dependency';
      service: string;
      repository: string;
      dependsOn: string;
      fingerprint: string;
      evidence: Evidence;
    }
  | { kind: 'missing-file'; service: string; repository: string; file: string; fingerprint: string; evidence: Evidence }
  | {
      kind: 'owner-mismatch';
      service: string;
      repository: string;
      team: string;
      owners: string[];
      fingerprint: string;
      evidence: Evidence;
    }
  | { kind: 'unreadable-manifest'; service: string; repository: string; fingerprint: string; evidence: Evidence };

export type Evidence = { path: string; line?: number; text: string };

const MANIFEST_SECTIONS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'] as const;
const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'];

/** Checks every service of the model that lives in `repository` against that repository's files. */
export async function checkDrift(
  model: ArchitectureModel,
  repository: string,
  read: RepositoryFiles,
): Promise<DriftFinding[]> {
  const findings: DriftFinding[] = [];
  const publisher = new Map<string, string>();
  for (const [name, service] of Object.entries(model.services))
    for (const pkg of service.packages) publisher.set(pkg, name);
  const services = Object.entries(model.services).filter(
    ([, s]) => s.repository.toLowerCase() === repository.toLowerCase(),
  );
  const codeowners = await readCodeowners(repository, read);
  for (const [name, service] of services) {
    const checked: CheckedService = { name, service, repository };
    const manifestPath = pathIn(service, 'package.json');
    const manifest = await read(repository, manifestPath);
    if (manifest !== undefined) findings.push(...manifestFindings(checked, manifestPath, manifest, publisher));
    for (const file of service.requiredFiles) {
      const path = pathIn(service, file);
      if ((await read(repository, path)) === undefined) {
        findings.push({
          kind: 'missing-file',
          service: name,
          repository,
          file: path,
          fingerprint: fingerprint('missing-file', name, path),
          evidence: { path, text: `required by the architecture model for service ${name}, not found` },
        });
      }
    }
    const mismatch = codeowners && ownerFinding(checked, codeowners);
    if (mismatch) findings.push(mismatch);
  }
  return findings;
}

type ModelService = ArchitectureModel['services'][string];
type CheckedService = { name: string; service: ModelService; repository: string };

/** A path of the service's own folder (the repository's root when it has none). */
function pathIn(service: ModelService, file: string): string {
  return service.path ? `${trimTrailingSlashes(service.path)}/${file}` : file;
}

/** The repository's CODEOWNERS, from the first place GitHub looks that has one. */
async function readCodeowners(
  repository: string,
  read: RepositoryFiles,
): Promise<{ path: string; text: string } | undefined> {
  for (const path of CODEOWNERS_PATHS) {
    const text = await read(repository, path);
    if (text !== undefined) return { path, text };
  }
  return undefined;
}

/** The manifest's dependencies on services the model does not allow (one finding per service), or that it is not JSON. */
function manifestFindings(
  checked: CheckedService,
  manifestPath: string,
  manifest: string,
  publisher: ReadonlyMap<string, string>,
): DriftFinding[] {
  const { name, service, repository } = checked;
  let json: unknown;
  try {
    json = JSON.parse(manifest);
  } catch (error) {
    return [
      {
        kind: 'unreadable-manifest',
        service: name,
        repository,
        fingerprint: fingerprint('unreadable-manifest', name, manifestPath),
        evidence: { path: manifestPath, text: `not JSON: ${(error as Error).message}` },
      },
    ];
  }
  if (!json || typeof json !== 'object') return [];
  const findings: DriftFinding[] = [];
  const seen = new Set<string>();
  for (const section of MANIFEST_SECTIONS) {
    const deps = (json as Record<string, unknown>)[section];
    if (!deps || typeof deps !== 'object') continue;
    for (const [pkg, version] of Object.entries(deps as Record<string, unknown>)) {
      const target = publisher.get(pkg);
      if (target === undefined || target === name || service.dependsOn.includes(target) || seen.has(target)) continue;
      seen.add(target);
      const allowed = service.dependsOn.length ? service.dependsOn.join(', ') : 'no other service';
      findings.push({
        kind: 'forbidden-dependency',
        service: name,
        repository,
        dependsOn: target,
        fingerprint: fingerprint('forbidden-dependency', name, target),
        evidence: {
          path: manifestPath,
          ...lineOf(manifest, pkg),
          text: `${section}: "${pkg}": ${JSON.stringify(version)} (published by service ${target}; ${name} may depend on ${allowed})`,
        },
      });
    }
  }
  return findings;
}

/** The service's folder is not owned by its team in CODEOWNERS. */
function ownerFinding(checked: CheckedService, codeowners: { path: string; text: string }): DriftFinding | undefined {
  const { name, service, repository } = checked;
  const probe = pathIn(service, 'package.json');
  const owners = ownersOf(parseCodeowners(codeowners.text), probe);
  const team = `@${service.team.replace(/^@/, '')}`;
  if (owners.some((o) => o.toLowerCase() === team.toLowerCase())) return undefined;
  return {
    kind: 'owner-mismatch',
    service: name,
    repository,
    team,
    owners,
    fingerprint: fingerprint('owner-mismatch', name, team),
    evidence: {
      path: codeowners.path,
      text: `${probe} is owned by ${owners.length ? owners.join(' ') : 'nobody'}; the model says ${team}`,
    },
  };
}

/** The hidden marker a drift issue's body carries, so the next check finds it (the de-duplication key). */
export function driftMarker(fingerprintValue: string): string {
  return `<!-- aaoe:drift:${fingerprintValue} -->`;
}

/** The issue for a finding: a title, and a body with the evidence, what to do, and the marker. */
export function renderDriftIssue(finding: DriftFinding): { title: string; body: string } {
  const where = `\`${finding.evidence.path}\`${finding.evidence.line ? ` line ${finding.evidence.line}` : ''}`;
  const [title, todo] =
    finding.kind === 'forbidden-dependency'
      ? [
          `Architecture drift: ${finding.service} depends on ${finding.dependsOn}`,
          `remove the dependency, or allow it in the architecture model (\`services.${finding.service}.dependsOn\`)`,
        ]
      : finding.kind === 'missing-file'
        ? [
            `Architecture drift: ${finding.service} lacks ${finding.file}`,
            `add \`${finding.file}\`, or remove it from \`services.${finding.service}.requiredFiles\``,
          ]
        : finding.kind === 'owner-mismatch'
          ? [
              `Architecture drift: ${finding.service} is not owned by ${finding.team}`,
              `make ${finding.team} the owner in CODEOWNERS, or change \`services.${finding.service}.team\``,
            ]
          : [
              `Architecture drift: ${finding.service} has an unreadable package.json`,
              'fix the manifest so its dependencies can be checked',
            ];
  const body = [
    `AAOE's drift check found that **${finding.repository}** differs from the architecture model.`,
    '',
    `- Evidence: ${where}: ${finding.evidence.text}`,
    `- What to do: ${todo}.`,
    '',
    'This issue is kept while the drift lasts: later checks find it by its fingerprint instead of opening another.',
    '',
    driftMarker(finding.fingerprint),
  ].join('\n');
  return { title, body };
}

function fingerprint(...parts: string[]): string {
  return sha256Hex(parts.join('\0')).slice(0, 16);
}

function lineOf(text: string, pkg: string): { line?: number } {
  const index = text.split('\n').findIndex((l) => l.includes(JSON.stringify(pkg)));
  return index === -1 ? {} : { line: index + 1 };
}
