/** The usage of `aaoe db`: its commands on the store, and what to use on PostgreSQL. */
export const DB_USAGE = `Usage:
  aaoe db migrate                                 apply the store's migrations (the app does this at start)
  aaoe db backup <file.tar.gz>                    the embedded store, whole, into one file (stop the app first)
  aaoe db restore <file.tar.gz> [--force]         a backup into AAOE_DATA_DIR (--force keeps the store there aside)
  aaoe db prune                                   delete deliveries, archived jobs and model calls past AAOE_RETAIN_*_DAYS
On PostgreSQL (DATABASE_URL) use pg_dump --format=custom and pg_restore (docs/operations.md).`;
