import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeDatabaseContract } from './database.contract.js';
import { openSqliteDatabase } from './database.js';

describeDatabaseContract('embedded SQLite', async () => {
  const home = mkdtempSync(join(tmpdir(), 'mcphub-db-contract-'));
  return {
    open: async () => openSqliteDatabase(home),
    // better-sqlite3 is synchronous: a second connection writing while the first holds a
    // transaction would block the event loop. One process has one SQLite handle, as the daemon does.
    openSecond: async (db) => db,
    cleanup: async () => rmSync(home, { recursive: true, force: true }),
  };
});
