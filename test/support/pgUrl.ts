// Connection strings for the team tests (no mocha hooks here: the end-to-end runner imports it too).

/** `url` pointing at another database (and optionally another user and password). */
export function withDatabase(url: string, db: string, user?: { name: string; password: string }): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  if (user) {
    u.username = encodeURIComponent(user.name);
    u.password = encodeURIComponent(user.password);
  }
  return u.toString();
}
