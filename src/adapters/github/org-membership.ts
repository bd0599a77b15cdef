import type { Octokit } from './github-facts.js';

/**
 * What GitHub says of a person in an organisation: the role and state of their membership with their immutable id
 * (`GET /orgs/{org}/memberships/{username}`). Read at the moment of the decision; a 404 or 403 (no membership, a
 * user account as owner, no access) is "none".
 */

export type OrgMembership = {
  role: 'admin' | 'member' | 'none';
  state: 'active' | 'pending' | 'none';
  userId: number | undefined;
};

const NONE: OrgMembership = { role: 'none', state: 'none', userId: undefined };

export async function getOrgMembership(octokit: Octokit, org: string, username: string): Promise<OrgMembership> {
  try {
    const { data } = await octokit.rest.orgs.getMembershipForUser({ org, username });
    const role = data.role === 'admin' ? 'admin' : data.role === 'member' ? 'member' : 'none';
    const state = data.state === 'active' ? 'active' : 'pending';
    return { role, state, userId: data.user?.id };
  } catch (error) {
    if ([403, 404].includes((error as { status?: number }).status ?? 0)) return NONE;
    throw error;
  }
}
