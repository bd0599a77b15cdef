import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * `npm run demo -- --ci` as a newcomer (and CI) runs it: its own process, which tells the story, opens every link it
 * printed (GitHub's pages on the simulator, the dashboard signed in through the simulated GitHub, the app's
 * endpoints) and exits 0 only when each answered 200 with what it names and every expected state was reached.
 */

function runCi(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/demo/demo.ts', '--ci'], {
      cwd: process.cwd(),
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run demo -- --ci', () => {
  it('checks every link it prints and exits 0', async () => {
    const { code, stdout, stderr } = await runCi();
    expect(stderr).not.toMatch(/^demo: /m);
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toMatch(/Checking every link printed above \((\d+)\)/);
    expect(Number(/Checking every link printed above \((\d+)\)/.exec(stdout)![1])).toBeGreaterThanOrEqual(20);
    expect(stdout).toContain('The demo reached every expected state, and every link it printed opens what it names.');
    // the store it made is removed
    const dataDir = /the store is in (\S+)\./.exec(stdout)![1]!;
    const { existsSync } = await import('node:fs');
    expect(existsSync(dataDir)).toBe(false);
  }, 600_000);
});
