import { matchingRule, parseCodeowners } from '../agent/codeowners.js';
import { APPROVAL_TEXT } from '../text/approvals.js';
import type { ApprovalFacts, Requirement } from './approval-facts.js';

/**
 * The requirements besides the minimum: one per group of touched paths that a CODEOWNERS rule owns, and one per team
 * the policy names; each satisfied by a counted approver who is an owner (or a member of the owning team).
 */

export function ownerRequirements(
  facts: ApprovalFacts,
  approvers: string[],
  teams: Map<string, Set<string>>,
  notes: string[],
): Requirement[] {
  if (!facts.codeowners)
    return [{ kind: 'codeowners_missing', status: 'unsatisfied', message: APPROVAL_TEXT.codeownersMissing() }];
  const codeowners = parseCodeowners(facts.codeowners.text);
  for (const error of codeowners.errors)
    notes.push(APPROVAL_TEXT.codeownersError(facts.codeowners.path, error.line, error.message));

  const groups = new Map<number, { pattern: string; line: number; owners: string[]; paths: string[] }>();
  const unowned: string[] = [];
  for (const path of new Set(facts.changedPaths)) {
    const rule = matchingRule(codeowners, path);
    if (!rule || rule.owners.length === 0) {
      unowned.push(path);
      continue;
    }
    const group = groups.get(rule.line) ?? { pattern: rule.pattern, line: rule.line, owners: rule.owners, paths: [] };
    group.paths.push(path);
    groups.set(rule.line, group);
  }
  if (unowned.length > 0) notes.push(APPROVAL_TEXT.unownedPaths(unowned));

  return [...groups.values()]
    .sort((a, b) => a.line - b.line)
    .map((group) => {
      const approvedBy = new Set<string>();
      const unresolved: string[] = [];
      for (const owner of group.owners) {
        const members = ownerMembers(owner, teams);
        if (!members) {
          unresolved.push(owner);
          continue;
        }
        for (const login of approvers) if (members.has(lower(login))) approvedBy.add(login);
      }
      const by = [...approvedBy];
      if (by.length === 0 && unresolved.length > 0)
        notes.push(`${group.pattern} (CODEOWNERS line ${group.line}): ${APPROVAL_TEXT.unresolvedOwners(unresolved)}`);
      return {
        kind: 'owner_group' as const,
        status: by.length > 0 ? ('satisfied' as const) : ('unsatisfied' as const),
        pattern: group.pattern,
        line: group.line,
        paths: group.paths,
        owners: group.owners,
        approvedBy: by,
        unresolved,
        message: APPROVAL_TEXT.ownerGroup(group.pattern, group.line, by, group.owners),
      };
    });
}

/** The logins an owner stands for: `@user` itself, `@org/team` its members; undefined for emails and unknown teams. */
function ownerMembers(owner: string, teams: Map<string, Set<string>>): Set<string> | undefined {
  if (!owner.startsWith('@')) return undefined;
  const name = lower(owner.slice(1));
  return name.includes('/') ? teams.get(name) : new Set([name]);
}

export function teamRequirement(team: string, approvers: string[], teams: Map<string, Set<string>>): Requirement {
  const members = teams.get(lower(team));
  const approvedBy = members ? approvers.filter((l) => members.has(lower(l))) : [];
  const membership = members ? ('known' as const) : ('unknown' as const);
  return {
    kind: 'team',
    status: approvedBy.length > 0 ? 'satisfied' : 'unsatisfied',
    team,
    membership,
    approvedBy,
    message: APPROVAL_TEXT.team(team, membership, approvedBy),
  };
}

export function teamsBySlug(facts: Readonly<Record<string, readonly string[]>>): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>();
  for (const [team, members] of Object.entries(facts)) {
    const set = map.get(lower(team)) ?? new Set<string>();
    for (const m of members) set.add(lower(m));
    map.set(lower(team), set);
  }
  return map;
}

function lower(s: string): string {
  return s.toLowerCase();
}
