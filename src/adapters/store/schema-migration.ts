/**
 * One versioned schema migration. Its own module, below both the list (`migrations.ts`) and the store modules that
 * define their tables' later migrations next to their queries, so neither imports the other.
 */
export type Migration = { version: number; name: string; sql: string };
