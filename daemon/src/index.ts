export { configKeys, loadConfig } from './config/load.js';
export { type Config, ConfigSchema, defaultConfig } from './config/schema.js';
export { type RunningDaemon, startDaemon } from './daemon.js';
export { migrateTo, openMemoryDatabase, openSqliteDatabase } from './db/database.js';
export { hubMigrations } from './db/migrations/index.js';
export { HUB_ERRORS, HubError, type HubErrorCode } from './errors.js';
export { buildHubApp, type HubAppDeps } from './http/hub-app.js';
export { jwksOf, loadOrCreateSigningKey, type SigningKey } from './keys/signing-key.js';
export { createLogger } from './logger.js';
