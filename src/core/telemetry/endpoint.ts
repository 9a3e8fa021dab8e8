// The OTLP endpoint setting as a URL (without loading the OpenTelemetry SDK): where metrics go,
// and how it is shown (never with a user or password).

/** The metrics URL of an endpoint setting; throws a readable error for what is not http(s). */
export function metricsUrl(endpoint: string): string {
  let u: URL;
  try {
    u = new URL(endpoint.trim());
  } catch {
    throw new Error(`the OTLP endpoint "${endpoint}" is not a URL (e.g. http://localhost:4318)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`the OTLP endpoint must be http:// or https:// (OTLP/HTTP), not ${u.protocol}`);
  if (!/\/v1\/metrics\/?$/.test(u.pathname)) u.pathname = `${u.pathname.replace(/\/+$/, '')}/v1/metrics`;
  return u.toString();
}

/** The metrics URL as shown in the Sources view: no user, password or query. */
export function shownEndpoint(endpoint: string): string {
  try {
    const u = new URL(metricsUrl(endpoint));
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return endpoint.replace(/\/\/[^/@]*@/, '//***@');
  }
}
