// Connection strings as text, without loading PostgreSQL's client: what the extension host, the
// CLI and every message need. The password never appears in what these return.

/** The URL with its password replaced by `***` (and any `password=` parameter too). */
export function redactUrl(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@?#]*:)[^@/?#]*@/i, '$1***@')
    .replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/** Whether the text looks like a PostgreSQL connection URL at all. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\/\S+$/i.test(url.trim());
}

/** "host:port/db" of a connection string, for messages and the Sources view (never the user or password). */
export function databaseLabel(url: string): string {
  try {
    const u = new URL(url.trim());
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return redactUrl(url);
  }
}

/** The password a connection string holds (in its user part or a `password=` parameter), as typed and decoded. */
function passwordsOf(url: string): string[] {
  const out: string[] = [];
  const inAuthority = /^[a-z][a-z0-9+.-]*:\/\/[^:/@?#]*:([^@/?#]*)@/i.exec(url.trim())?.[1];
  const inQuery = /[?&]password=([^&#]*)/i.exec(url)?.[1];
  for (const p of [inAuthority, inQuery]) {
    if (!p) continue;
    out.push(p);
    try {
      out.push(decodeURIComponent(p));
    } catch {
      // not %-encoded: the raw text is all there is
    }
  }
  return out;
}

/**
 * `text` with the connection string, and its password in any spelling, replaced by `***`: for
 * error texts that leave the worker (a driver message could quote what it was given).
 */
export function scrubSecret(text: string, url: string | undefined): string {
  if (!url) return text;
  let out = text.split(url).join(redactUrl(url));
  for (const p of passwordsOf(url)) if (p.length >= 3) out = out.split(p).join('***');
  return out;
}
