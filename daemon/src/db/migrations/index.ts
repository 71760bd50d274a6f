import type { Migration } from 'kysely';
import * as m0001 from './0001-init.js';
import * as m0002 from './0002-queue.js';

/** Numbered hub migrations; append only, never edit one that has shipped. */
export const hubMigrations: Record<string, Migration> = {
  '0001-init': m0001,
  '0002-queue': m0002,
};
