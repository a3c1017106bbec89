/**
 * Where a URL points, for a log line: scheme, host, port and (for Postgres) the database —
 * never a user name, password, path or query (review L5). A connection string whose password
 * holds an unencoded `/` or `@` still shows only what follows its last `@`.
 */
export function urlForLogs(value: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value);
  if (!scheme) return '(not a URL)';
  const rest = value.slice(scheme[0].length);
  const afterCredentials = rest.slice(rest.lastIndexOf('@') + 1);
  const [authority = '', ...path] = afterCredentials.split(/[/?#]/);
  const postgres = /^postgres(ql)?$/i.test(scheme[1]!);
  const database = postgres && path[0] ? `/${path[0]}` : '';
  return `${scheme[1]!.toLowerCase()}://${authority}${database}`;
}
