import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * The embedded store's data directory lock (`<dataDir>/pglite.lock`): a second opener (another process, or this one)
 * is refused, because two PGlite instances on one directory silently lose committed rows.
 */

export class DataDirLockedError extends Error {
  constructor(
    readonly lockFile: string,
    readonly holder: { pid: number; hostname: string },
  ) {
    const who = Number.isInteger(holder.pid) ? `process ${holder.pid}` : 'an unknown process';
    super(
      `the data directory is in use by ${who} on ${holder.hostname} (lock file ${lockFile}). ` +
        `Stop that process, or point AAOE_DATA_DIR elsewhere. If no such process runs, delete the lock file.`,
    );
    this.name = 'DataDirLockedError';
  }
}

/** Locks held by this process, so a second open in-process is refused too and exit cleans up. */
const heldLocks = new Set<string>();
let exitHookInstalled = false;

/**
 * Takes `lockFile` exclusively (`open(..., 'wx')`), writing `{ pid, hostname }`. A lock left by a process
 * that no longer runs on this host is stale and taken over; one from another host is never presumed stale.
 * Returns the release function.
 */
export function lockDataDir(lockFile: string): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(lockFile, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLockHolder(lockFile);
      if (holder === undefined) continue; // removed meanwhile, or torn write being replaced: retry
      if (holder.hostname !== hostname() || isAlive(holder.pid) || holder.pid === process.pid) {
        throw new DataDirLockedError(lockFile, holder);
      }
      try {
        unlinkSync(lockFile); // stale: its process is gone
      } catch (unlinkError) {
        if ((unlinkError as NodeJS.ErrnoException).code !== 'ENOENT') throw unlinkError;
      }
      continue;
    }
    try {
      writeSync(fd, JSON.stringify({ pid: process.pid, hostname: hostname(), at: new Date().toISOString() }));
    } finally {
      closeSync(fd);
    }
    heldLocks.add(lockFile);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', () => {
        for (const file of heldLocks) removeQuietly(file);
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      heldLocks.delete(lockFile);
      removeQuietly(lockFile);
    };
  }
  throw new Error(`could not take the lock ${lockFile}: it keeps changing; is another process starting?`);
}

function readLockHolder(lockFile: string): { pid: number; hostname: string } | undefined {
  let text: string;
  try {
    text = readFileSync(lockFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as { pid?: unknown; hostname?: unknown };
    if (typeof parsed.pid === 'number' && typeof parsed.hostname === 'string') {
      return { pid: parsed.pid, hostname: parsed.hostname };
    }
  } catch {
    // fall through
  }
  // Unreadable content: never presume it stale.
  return { pid: Number.NaN, hostname: `unknown (unreadable lock file)` };
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
