// Which database a DATABASE_URL names: the one fact that both opening it and migrating it need.
export type DatabaseProvider = 'sqlite' | 'postgresql';

export function providerOf(databaseUrl: string): DatabaseProvider {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return 'postgresql';
  if (databaseUrl.startsWith('file:')) return 'sqlite';
  throw new Error(`DATABASE_URL must be a file: URL (SQLite) or a postgresql:// URL, got "${databaseUrl.split(':')[0]}:…"`);
}
