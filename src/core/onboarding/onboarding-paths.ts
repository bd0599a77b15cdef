/**
 * Where onboarding writes, and the preset it chose: the names the pure onboarding decision and texts share with the
 * adapter that reads the shipped files (src/adapters/files/onboarding-files.ts).
 */

export const CONFIG_PATH = '.github/aaoe.yml';
export const WORKFLOW_PATH = '.github/workflows/aaoe-deploy.yml';

/** The preset to extend, with the comment its file opens with, or why there is none of that name. */
export type PresetChoice = { ok: true; preset: string; description: string[] } | { ok: false; message: string };
