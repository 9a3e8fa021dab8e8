// The dashboard panel's HTML: a pure function (no `vscode` import) so it can be unit- and
// browser-tested with the exact Content-Security-Policy the panel ships with.

export interface WebviewHtmlOptions {
  /** `webview.cspSource`. */
  cspSource: string;
  /** A fresh nonce per render, e.g. crypto.randomBytes(16).toString('base64'). */
  nonce: string;
  /** `asWebviewUri` of dist/webview.js, dist/webview.css and codicon.css (with codicon.ttf beside it). */
  scriptUri: string;
  styleUri: string;
  codiconsUri: string;
  /** Optional data for the first paint (e.g. the InitData the host already has); read by the webview before `ready` answers. */
  initialState?: unknown;
}

/** The policy, exactly: scripts only with the nonce, styles, images and fonts only from the extension. */
export function webviewCsp(cspSource: string, nonce: string): string {
  return `default-src 'none'; script-src 'nonce-${nonce}'; style-src ${cspSource}; img-src ${cspSource} data:; font-src ${cspSource};`;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeAttr = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]);

export function webviewHtml(o: WebviewHtmlOptions): string {
  // A nonce with a quote or space would break out of the policy; refuse rather than escape.
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(o.nonce)) throw new Error('webviewHtml: the nonce must be at least 16 base64 characters');
  const state = o.initialState === undefined ? '' : ` data-initial-state="${escapeAttr(JSON.stringify(o.initialState))}"`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(webviewCsp(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(o.codiconsUri)}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${escapeAttr(o.styleUri)}">
<title>AI Usage Dashboard</title>
</head>
<body>
<div id="app"${state}></div>
<script nonce="${escapeAttr(o.nonce)}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>
`;
}
