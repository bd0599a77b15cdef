/**
 * The reviewers AAOE requests on the pull request it opened: the CODEOWNERS owners of the likely paths, people
 * (`@login`, never the app itself) and teams (`@org/team`, by slug); an email owner cannot be requested.
 */
export function reviewersOf(owners: readonly string[], botLogin: string): { users: string[]; teams: string[] } {
  const users = owners
    .filter((o) => /^@[\w-]+$/.test(o) && o.slice(1).toLowerCase() !== botLogin.toLowerCase())
    .map((o) => o.slice(1));
  const teams = owners.filter((o) => /^@[\w-]+\/[\w-]+$/.test(o)).map((o) => o.slice(o.indexOf('/') + 1));
  return { users, teams };
}
