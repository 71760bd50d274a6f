/** Hub-owned tables. The registry owns and migrates its own tables in the same database. */
export interface ApiTokensTable {
  id: string;
  name: string;
  /** SHA-256 hex of the secret; the secret itself is never stored. */
  token_hash: string;
  scope: string;
  resource: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: string;
}

export interface HubDatabase {
  api_tokens: ApiTokensTable;
  settings: SettingsTable;
}
