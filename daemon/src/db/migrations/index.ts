import type { Migration } from 'kysely';
import * as m0001 from './0001-init.js';
import * as m0002 from './0002-queue.js';
import * as m0003 from './0003-jobs.js';
import * as m0004 from './0004-orgs.js';
import * as m0005 from './0005-sync.js';
import * as m0006 from './0006-job-leases.js';
import * as m0007 from './0007-live-version.js';

/** Numbered hub migrations; append only, never edit one that has shipped. */
export const hubMigrations: Record<string, Migration> = {
  '0001-init': m0001,
  '0002-queue': m0002,
  '0003-jobs': m0003,
  '0004-orgs': m0004,
  '0005-sync': m0005,
  '0006-job-leases': m0006,
  '0007-live-version': m0007,
};
