export { type Authorizer, type HubAction, tokenAuthorizer } from './auth/authorizer.js';
export { type HubPrincipal, type RbacAuthorizer, rbacAuthorizer } from './auth/rbac-authorizer.js';
export { configKeys, loadConfig } from './config/load.js';
export { type Config, ConfigSchema, defaultConfig } from './config/schema.js';
export { type RunningDaemon, startDaemon } from './daemon.js';
export {
  maskUrl,
  migrateTo,
  openDatabase,
  openMemoryDatabase,
  openPostgresDatabase,
  openSqliteDatabase,
} from './db/database.js';
export { hubMigrations } from './db/migrations/index.js';
export { HUB_ERRORS, HubError, type HubErrorCode } from './errors.js';
export { buildHubApp, type HubAppDeps } from './http/hub-app.js';
export { jwksOf, loadOrCreateSigningKey, type SigningKey } from './keys/signing-key.js';
export { createLogger } from './logger.js';
export { bootstrapOrganizations, OrgDirectory } from './orgs/org-directory.js';
export { PLANS, type PlanQuotas, USAGE_KINDS, type UsageKind } from './orgs/plans.js';
export { ROLES, type Role } from './orgs/roles.js';
export { type QuotaGate, UsageMeter } from './orgs/usage.js';
