// Runs the production webview bundle in Debian's Chromium: a local server hands out the panel
// HTML from webviewHtml() behind the real CSP, a fake acquireVsCodeApi relays messages to a
// FakeHost in Node, and every CSP violation or console error is collected.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { webviewHtml } from '../../../src/extension/webviewHtml';
import type { HostMessage } from '../../../src/shared/protocol';
import type { FakeHost } from './fakeHost';
import { NOW } from './usageFixture';

const ROOT = path.resolve(__dirname, '../../..');
export type ThemeName = 'dark' | 'light' | 'hc-dark' | 'hc-light';
export const BODY_CLASS: Record<ThemeName, string> = {
  dark: 'vscode-dark',
  light: 'vscode-light',
  'hc-dark': 'vscode-high-contrast',
  'hc-light': 'vscode-high-contrast-light vscode-high-contrast',
};

/** Builds dist/ (the production, minified bundle) once per run. */
export function buildBundle(): void {
  execFileSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

export interface Server {
  origin: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.html': 'text/html' };

/** Serves dist/ and the test fixtures; `/?theme=dark` is the panel, as VS Code would render it. */
export async function startServer(): Promise<Server> {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    try {
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204).end();
        return;
      }
      if (url.pathname === '/') {
        const origin = `http://${req.headers.host}`;
        const theme = (url.searchParams.get('theme') ?? 'dark') as ThemeName;
        let html = webviewHtml({
          cspSource: origin,
          nonce: randomBytes(16).toString('base64'),
          scriptUri: `${origin}/dist/webview.js`,
          styleUri: `${origin}/dist/webview.css`,
          codiconsUri: `${origin}/dist/codicon.css`,
        });
        // What VS Code adds around our HTML: its default styles and theme variables (a stylesheet
        // here), and the theme's body class.
        html = html
          .replace('<meta name="viewport"', `<link rel="stylesheet" href="${origin}/fixtures/themes.css">\n<meta name="viewport"`)
          .replace('<body>', `<body class="${BODY_CLASS[theme]}" data-vscode-theme-kind="${BODY_CLASS[theme].split(' ')[0]}">`);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
        return;
      }
      const m = /^\/(dist|fixtures)\/([\w.-]+)$/.exec(url.pathname);
      if (!m) throw new Error('not found');
      const dir = m[1] === 'dist' ? path.join(ROOT, 'dist') : path.join(__dirname, '../fixtures');
      const body = await fs.readFile(path.join(dir, m[2]));
      res.writeHead(200, { 'content-type': TYPES[path.extname(m[2])] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((ok) => server.close(() => ok())) };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface Panel {
  page: Page;
  context: BrowserContext;
  /** securitypolicyviolation events seen by the page. */
  csp(): Promise<string[]>;
  /** Console errors and uncaught exceptions. */
  errors: string[];
  /** The last state the webview saved with setState. */
  savedState(): Promise<unknown>;
  close(): Promise<void>;
}

export interface OpenOptions {
  theme?: ThemeName;
  width?: number;
  height?: number;
  /** What getState() returns at start (a restored panel). */
  state?: unknown;
  /** Wait for the metric cards (default true). */
  waitForData?: boolean;
}

// Runs in the page before the bundle: the VS Code API stand-in and the CSP violation log.
const FAKE_VSCODE_API = `function (initial) {
  const violations = [];
  window.__csp = violations;
  document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));
  let state = initial === null ? undefined : initial;
  let acquired = false;
  window.acquireVsCodeApi = function () {
    if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
    acquired = true;
    return {
      // structuredClone, as VS Code does: a Svelte state proxy would fail here as it would there.
      postMessage: function (m) { window.__toHost(structuredClone(m)); },
      getState: function () { return state; },
      setState: function (s) { state = structuredClone(s); return s; },
    };
  };
  window.__getState = function () { return state; };
}`;

/** Opens the panel with its own context and wires it to `host`. */
export async function openPanel(browser: Browser, server: Server, host: FakeHost, o: OpenOptions = {}): Promise<Panel> {
  const context = await browser.newContext({ viewport: { width: o.width ?? 1400, height: o.height ?? 1000 }, reducedMotion: 'reduce', timezoneId: 'UTC', locale: 'en-US' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.clock.setFixedTime(new Date(NOW));
  await page.exposeBinding('__toHost', (_src, msg: unknown) => {
    void host.receive(msg);
  });
  // As JSON text, the way VS Code carries a webview message (Playwright's own argument encoding
  // costs the page ten times as long for a large answer).
  host.connect(async (m: HostMessage) => {
    if (!page.isClosed()) await page.evaluate((json) => window.postMessage(JSON.parse(json), '*'), JSON.stringify(m)).catch(() => undefined);
  });
  // A string, not a function: tsx would wrap a function's inner names in its own helper.
  await page.addInitScript(`(${FAKE_VSCODE_API})(${JSON.stringify(o.state ?? null)})`);
  await page.goto(`${server.origin}/?theme=${o.theme ?? 'dark'}`);
  if (o.waitForData !== false) await page.getByTestId('metric-cost').waitFor();
  return {
    page,
    context,
    errors,
    csp: () => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp),
    savedState: () => page.evaluate(() => (window as unknown as { __getState: () => unknown }).__getState()),
    close: () => context.close(),
  };
}

/** The ECharts instance the chart component exposes on its element. */
export function chartOption(page: Page, selector: string): Promise<Record<string, unknown>> {
  return page.locator(selector).evaluate((el) => (el as unknown as { echarts: { getOption(): Record<string, unknown> } }).echarts.getOption());
}

export async function screenshotDir(): Promise<string> {
  const dir = path.resolve(ROOT, process.env.SCREENSHOT_DIR ?? 'test-results/screenshots');
  await fs.mkdir(dir, { recursive: true });
  return dir;
}

/** Closes the panels a test opened; after a passed test, each must have seen no CSP violation and logged no error. */
export async function closePanels(open: Panel[], passed: boolean): Promise<void> {
  for (const p of open) {
    const violations = await p.csp().catch(() => []);
    await p.close();
    if (passed) {
      assert.deepEqual(violations, [], 'no CSP violations');
      assert.deepEqual(p.errors, [], 'no console errors');
    }
  }
}

/** Polls `fn` (e.g. "has the host seen this request?") until it gives a value. */
export async function until<T>(fn: () => T | undefined, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
