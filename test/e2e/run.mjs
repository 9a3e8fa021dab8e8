// End-to-end tests in a real VS Code workbench: code-server (VS Code's web workbench and its
// real Node extension host) in headless Chromium, driven by playwright-core.
//
//   node test/e2e/run.mjs            (npm run test:e2e; installs .e2e/ first if needed)
//
// 1. Fixture logs (Claude Code + Codex) go into a temp HOME that code-server's extension host
//    inherits (HOME, CLAUDE_CONFIG_DIR, CODEX_HOME); the workspace folder is the logs' cwd.
// 2. The workbench opens with the extension under development and the mocha suite
//    (out/e2e/suite/index.js, @vscode/test-electron format) in its URL payload.
// 3. The suite runs in the extension host. For what only the page shows (the rendered webview,
//    the status bar, screenshots) it asks this runner over a loopback HTTP "bridge".
// 4. Phase "main" ends; the window is reloaded and phase "restore" checks the panel came back.
// 5. A second code-server, with workspace trust on, opens a cloned repository holding hostile
//    Aider files in Restricted Mode; phase "trust" checks nothing of it is read, trusts the
//    folder through the workbench's Workspace Trust editor, and checks both files are read.
// 6. A third, whose globalStorage holds a store of a million requests: phase "scale" times the
//    dashboard's first paint, filter changes and a scroll to the middle, and a live update.
// 7. A fourth, with a team database on a real PostgreSQL (AI_USAGE_TEST_PG_URL, or a throwaway
//    server started here) where two other machines synced already: phase "team" connects it
//    through Connect Team Database, checks the Team scope shows their rows and exact totals, a
//    sync failure in the Sources view, and that the connection string is in no log or setting.
// Each code-server listens on 127.0.0.1 behind a random password, as `npm start`'s does.
// Prints `N passed, N failed` and exits non-zero on any failure.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import util from 'node:util';
import { buildE2E, OUT, prepareRun, prepareScaleRun, prepareTeamRun, prepareTrustRun, startTeamServer } from './prepare.mjs';
import { CODE_SERVER_CONFIG, codeServerCommand, passwordProtectedServer } from '../../scripts/startCommands.mjs';
import { CODE_SERVER, NODE24_BIN, isSetUp, setup } from './setup.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const require = createRequire(import.meta.url);
// Screenshots go to test-results/; UPDATE_DOCS_SCREENSHOTS=1 also refreshes the README's copies.
const SCREENSHOTS = path.join(repo, 'test-results', 'screenshots');
const DOCS_SCREENSHOTS = path.join(repo, 'docs', 'screenshots');
const PHASE_TIMEOUT_MS = 5 * 60_000;
const started = Date.now();
const log = (...a) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s]`, ...a);

// ---- prepare --------------------------------------------------------------------------------

if (!isSetUp()) setup();

// ---- code-server ----------------------------------------------------------------------------

async function startCodeServer(p, bridgeUrl, runDir, { workspaceTrust }) {
  const env = {
    ...process.env,
    PATH: `${NODE24_BIN}${path.delimiter}${process.env.PATH}`,
    HOME: p.home,
    CLAUDE_CONFIG_DIR: p.claudeConfigDir,
    CODEX_HOME: p.codexHome,
    XDG_CONFIG_HOME: path.join(runDir, 'xdg'),
    XDG_DATA_HOME: path.join(runDir, 'xdg'),
    XDG_CACHE_HOME: path.join(runDir, 'xdg', 'cache'),
    TZ: 'UTC',
    AI_USAGE_E2E_BRIDGE: bridgeUrl,
    AI_USAGE_E2E_RUN_DIR: runDir,
    AI_USAGE_E2E_REPO: repo,
  };
  for (const k of ['NODE_OPTIONS', 'VSCODE_IPC_HOOK_CLI', 'ELECTRON_RUN_AS_NODE']) delete env[k];
  // The same door as `npm start`: a random password, not --auth none (the machine is shared).
  const configFile = path.join(runDir, 'code-server.yaml');
  writeFileSync(configFile, CODE_SERVER_CONFIG, { mode: 0o600 });
  const server = codeServerCommand({ node: path.join(NODE24_BIN, 'node'), codeServer: CODE_SERVER, userDataDir: p.userDataDir, extensionsDir: p.extensionsDir, configFile, env });
  const { cmd, password } = passwordProtectedServer(server, 0);
  const args = [
    ...cmd.args,
    ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--vscode-option',
    'enable-smoke-test-driver',
  ];
  const cs = spawn(cmd.file, args, { env: cmd.env, cwd: runDir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start:\n${output}`)), 60_000);
    const onData = (b) => {
      output += b.toString();
      const m = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    cs.stdout.on('data', onData);
    cs.stderr.on('data', onData);
    cs.on('exit', (code) => reject(new Error(`code-server exited (${code}):\n${output}`)));
  });
  cs.stdout.on('data', (b) => process.env.E2E_VERBOSE && process.stdout.write(`[code-server] ${b}`));
  return { port, password, stop: () => stopGroup(cs) };
}

function stopGroup(child) {
  try {
    process.kill(-child.pid, 'SIGTERM'); // the whole group: code-server leaves watcher children otherwise
  } catch {
    // already gone
  }
}

function workbenchUrl(port, folder) {
  const ext = path.join(repo);
  const payload = [
    ['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${ext}`],
    ['extensionTestsPath', `vscode-remote://127.0.0.1:${port}${path.join(OUT, 'suite', 'index.js')}`],
  ];
  return `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

// ---- the page and what the suite may ask of it ----------------------------------------------

const webview = (page) => page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');

/** The dashboard's own frame (two iframes down), to run code and read its clock there. */
async function webviewFrame(page) {
  const outer = await (await page.locator('iframe.webview.ready').elementHandle({ timeout: 20_000 })).contentFrame();
  return (await (await outer.locator('#active-frame').elementHandle({ timeout: 20_000 })).contentFrame());
}

async function badgeItem(page) {
  const item = page.locator('.statusbar-item', { has: page.locator('[aria-label^="AI usage"]') }).first();
  if (await item.count()) return item;
  return page.locator('.statusbar-item').filter({ hasText: /\$\S+ (today|this week|this month|last \d+ days)/ }).first();
}

/** A picture of the whole window for test-results/screenshots/ (never the docs'). */
async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, name);
  await page.mouse.move(5, 5); // no hover tooltips in the picture
  await page.waitForTimeout(1500); // charts finish drawing (ECharts animates a new answer in)
  await page.screenshot({ path: file });
  return file;
}

/** Bridge actions: what the suite cannot see from the extension host. */
function bridgeActions(page, state) {
  return {
    async statusbar() {
      const item = await badgeItem(page);
      return { badge: (await item.count()) ? (await item.innerText()).trim() : null, all: (await page.locator('.statusbar').innerText()).replace(/\s+/g, ' ') };
    },
    /** When the dashboard's document started loading, in the epoch clock, and its marks (ms after that). */
    async webviewStart() {
      const frame = await webviewFrame(page);
      return frame.evaluate(() => ({ at: performance.timeOrigin, marks: Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, Math.round(m.startTime)])) }));
    },
    async metrics() {
      const f = webview(page);
      const cost = f.locator('[data-testid="metric-cost"]');
      if (!(await cost.count())) return { rendered: false };
      const text = async (id) => {
        const l = f.locator(`[data-testid="${id}"]`);
        return (await l.count()) ? (await l.first().innerText()).trim() : null;
      };
      return { rendered: true, cost: await text('metric-cost'), messages: await text('metric-messages'), tokens: await text('metric-tokens'), range: await text('range-label') };
    },
    /** A filter change in the dashboard, timed in the webview's clock until the cost card shows the new total. */
    async timedFilter({ step }) {
      const f = webview(page);
      const frame = await webviewFrame(page);
      const cost = () => frame.evaluate(() => document.querySelector('[data-testid="metric-cost"]')?.textContent ?? '');
      const before = await cost();
      // Timed from the user's click (the capture listener sees it before the dashboard does), not
      // from the automation's approach to it: opening a menu or a picker is not part of the wait.
      const lastClick = async (locator) => {
        await locator.waitFor();
        await frame.evaluate(() => {
          window.__clickAt = 0;
          document.addEventListener('click', () => (window.__clickAt ||= performance.now()), { capture: true, once: true });
        });
        await locator.click();
      };
      if (step === 'allProjects') {
        await f.getByRole('button', { name: /^Projects:/ }).click();
        await lastClick(f.getByRole('dialog', { name: 'Projects' }).getByRole('button', { name: 'All projects' }));
      } else if (step === 'allTime' || step === 'last30Days') {
        await f.locator('vscode-single-select').click();
        await lastClick(f.getByRole('option', { name: step === 'allTime' ? 'All time' : 'Last 30 days' }));
      } else if (step === 'oneSource') {
        await f.getByRole('button', { name: /^Sources:/ }).click();
        await lastClick(f.getByRole('dialog', { name: 'Sources' }).getByRole('checkbox', { name: /Codex/ }).first());
      } else if (step === 'allSources') {
        await f.getByRole('button', { name: /^Sources:/ }).click();
        await lastClick(f.getByRole('dialog', { name: 'Sources' }).getByRole('button', { name: 'All sources' }));
      } else throw new Error(`unknown step ${step}`);
      const end = await frame.waitForFunction(
        (b) => {
          const t = document.querySelector('[data-testid="metric-cost"]')?.textContent;
          return t && t !== b ? performance.now() : false;
        },
        before,
        { polling: 'raf', timeout: 20_000 },
      );
      const ms = (await end.jsonValue()) - (await frame.evaluate(() => window.__clickAt));
      await page.keyboard.press('Escape');
      return { ms, before, after: await cost() };
    },
    /** Scrolls the request table to its middle, timed until rows there show their data. */
    async timedScrollMiddle() {
      const frame = await webviewFrame(page);
      await frame.locator('#urow-0.grid-row:not(.skeleton-row)').waitFor({ timeout: 20_000 });
      const total = Number(await frame.locator('.grid').getAttribute('aria-rowcount')) - 2;
      const row = Math.floor(total / 2);
      const start = await frame.evaluate(() => performance.now());
      await frame.locator('.grid').evaluate((el) => (el.scrollTop = (el.scrollHeight - el.clientHeight) / 2));
      const end = await frame.waitForFunction(
        (target) =>
          [...document.querySelectorAll('.grid-window .grid-row:not(.skeleton-row)')].some((r) => Math.abs(Number(r.id.slice(5)) - target) < 40 && r.textContent.trim()) ? performance.now() : false,
        row,
        { polling: 'raf', timeout: 20_000 },
      );
      return { ms: (await end.jsonValue()) - start, row, total };
    },
    /** Reads the Limits card of a tool in the rendered webview: one text per window. */
    async limitsCard({ source }) {
      const card = webview(page).locator(`[data-testid="limits-${source}"]`);
      if (!(await card.count())) return { rendered: false };
      const windows = await card.locator('[data-testid="limit-window"]').evaluateAll((els) => els.map((e) => e.innerText.replace(/\s+/g, ' ').trim()));
      return { rendered: true, origin: (await card.locator('.origin').first().innerText()).trim(), windows };
    },
    /** The badge's classes and colours, and the theme's warning and error backgrounds to compare with. */
    async statusbarStyle() {
      const item = await badgeItem(page);
      if (!(await item.count())) return { found: false };
      return item.evaluate((el) => {
        const css = getComputedStyle(el);
        const vars = getComputedStyle(document.querySelector('.monaco-workbench') ?? document.body);
        const probe = (v) => {
          const d = document.createElement('div');
          d.style.backgroundColor = `var(${v})`;
          (document.querySelector('.monaco-workbench') ?? document.body).append(d);
          const c = getComputedStyle(d).backgroundColor;
          d.remove();
          return c;
        };
        return {
          found: true,
          className: el.className,
          background: css.backgroundColor,
          warning: probe('--vscode-statusBarItem-warningBackground'),
          error: probe('--vscode-statusBarItem-errorBackground'),
          warningVar: vars.getPropertyValue('--vscode-statusBarItem-warningBackground').trim(),
        };
      });
    },
    /** Types `text` into the open input box titled `title` (a password box included) and presses Enter. */
    async typeQuickInput({ title, text }) {
      const widget = page.locator('.quick-input-widget', { hasText: title });
      await widget.waitFor({ state: 'visible', timeout: 15_000 });
      const input = widget.locator('input').first();
      await input.fill(text);
      await input.press('Enter');
      await widget.waitFor({ state: 'hidden', timeout: 10_000 });
      return { typed: text.length };
    },
    /** Clicks a button of the dashboard's Scope switch. */
    async clickScope({ label }) {
      await webview(page).getByRole('group', { name: 'Scope' }).getByRole('button', { name: label, exact: true }).click({ timeout: 10_000 });
      return { clicked: label };
    },
    /** The team view as shown: the metric cards, the User and Machine breakdowns, the table's first rows. */
    async teamView() {
      const f = webview(page);
      const texts = async (l) => (await l.count()) ? await l.allInnerTexts() : [];
      const breakdown = async (by) => {
        const panel = f.locator(`[data-testid="${by}-breakdown"]`);
        return { names: await texts(panel.locator('.breakdown-name')), values: await texts(panel.locator('.breakdown-value')) };
      };
      // Every row (up to 300): the table shows only what fits, so scroll through it.
      const grid = f.locator('.grid');
      await f.locator('#urow-0:not(.skeleton-row)').waitFor({ timeout: 20_000 });
      const total = Number(await grid.getAttribute('aria-rowcount')) - 2;
      const seen = new Map();
      await grid.evaluate((el) => (el.scrollTop = 0));
      for (let k = 0; k < 100 && seen.size < Math.min(total, 300); k++) {
        const batch = await f.locator('.grid-window .grid-row:not(.skeleton-row)').evaluateAll((els) => els.map((r) => [r.id, [...r.querySelectorAll('[role=gridcell]')].map((c) => c.textContent.trim())]));
        for (const [id, cells] of batch) seen.set(id, cells);
        await grid.evaluate((el) => (el.scrollTop += Math.max(24, el.clientHeight * 0.7)));
        await page.waitForTimeout(100);
      }
      await grid.evaluate((el) => (el.scrollTop = 0));
      const rows = [...seen.values()];
      const text = async (id) => {
        const l = f.locator(`[data-testid="${id}"]`);
        return (await l.count()) ? (await l.first().innerText()).trim() : null;
      };
      return {
        messages: await text('metric-messages'),
        cost: await text('metric-cost'),
        rowCount: await text('row-count'),
        headers: (await texts(f.getByRole('grid').getByRole('columnheader'))).map((t) => t.trim()),
        user: await breakdown('user'),
        machine: await breakdown('machine'),
        rows,
      };
    },
    /** The Sources tab's team database panel, as shown. */
    async teamSources() {
      const f = webview(page);
      await f.locator('#tab-sources').click({ timeout: 10_000 });
      const panel = f.locator('[data-testid="team-sync"]');
      await panel.waitFor({ state: 'visible', timeout: 10_000 });
      const error = panel.locator('[data-testid="team-error"]');
      const result = { text: (await panel.innerText()).replace(/\s+/g, ' '), error: (await error.count()) ? (await error.innerText()).replace(/\s+/g, ' ') : null };
      await f.locator('#tab-dashboard').click({ timeout: 10_000 });
      return result;
    },
    /** Everything the dashboard's page holds: its DOM and the webview state the workbench keeps. */
    async webviewDump() {
      const frame = await webviewFrame(page);
      const html = await frame.evaluate(() => document.documentElement.outerHTML);
      const state = await page.evaluate(async () => {
        const out = [];
        for (const { name } of (await indexedDB.databases()).filter((d) => d.name)) {
          const db = await new Promise((resolve, reject) => {
            const r = indexedDB.open(name);
            r.onsuccess = () => resolve(r.result);
            r.onerror = () => reject(r.error);
          });
          try {
            for (const store of db.objectStoreNames) {
              const values = await new Promise((resolve, reject) => {
                const r = db.transaction(store).objectStore(store).getAll();
                r.onsuccess = () => resolve(r.result);
                r.onerror = () => reject(r.error);
              });
              for (const v of values) out.push(typeof v === 'string' ? v : JSON.stringify(v) ?? '');
            }
          } catch {
            // a store of binary values: not the webview's state
          } finally {
            db.close();
          }
        }
        return out.join('\n');
      });
      return { html, state };
    },
    /** Picks the item of the open quick pick (titled `title`) whose label contains `label`. */
    async pickQuickInput({ title, label }) {
      const widget = page.locator('.quick-input-widget', { hasText: title });
      await widget.waitFor({ state: 'visible', timeout: 15_000 });
      await widget.locator('.monaco-list-row', { hasText: label }).first().click({ timeout: 10_000 });
      await widget.waitFor({ state: 'hidden', timeout: 10_000 });
      return { picked: label };
    },
    /** Notifications listed in the notification center (the suite opens it) whose text contains `text`. */
    async notificationCenter({ text }) {
      const items = page.locator('.notifications-center .notification-list-item').filter({ hasText: text });
      const texts = await items.evaluateAll((els) => els.map((e) => e.innerText.replace(/\s+/g, ' ').trim()));
      return { count: texts.length, texts };
    },
    async clickGranularity({ label }) {
      await webview(page).locator('[aria-label="Chart granularity"] button', { hasText: label }).click({ timeout: 10_000 });
      return { clicked: label };
    },
    /** One source's entry in the dashboard's Sources tab, as shown. */
    async sourceStatus({ source }) {
      const f = webview(page);
      await f.locator('#tab-sources').click({ timeout: 10_000 });
      const item = f.locator(`#panel-sources li.source[data-source="${source}"]`);
      await item.waitFor({ state: 'visible', timeout: 10_000 });
      return {
        state: (await item.locator('.source-state').innerText()).trim(),
        rows: (await item.locator('.source-stat strong').first().innerText()).trim(),
        roots: await item.locator('.root').evaluateAll((els) => els.map((el) => ({ path: el.querySelector('.root-path')?.textContent ?? '', found: el.classList.contains('found') }))),
      };
    },
    /** Restricted Mode as the window shows it: the banner and the status bar's shield. */
    async restrictedMode() {
      const banner = page.locator('.monaco-workbench .banner');
      return { banner: (await banner.count()) ? (await banner.first().innerText()).replace(/\s+/g, ' ') : null };
    },
    /** Clicks "Trust" in the Workspace Trust editor (opened by the suite with workbench.trust.manage). */
    async trustInEditor() {
      const editor = page.locator('.workspace-trust-editor');
      const trust = editor.getByRole('button', { name: 'Trust', exact: true });
      await trust.waitFor({ state: 'visible', timeout: 15_000 });
      await screenshot(page, 'workspace-trust-editor.png');
      await trust.click({ timeout: 10_000 });
      // The editor opens as a modal over the window: close it, as the user would.
      const modal = page.locator('.monaco-modal-editor-block');
      if (await modal.count()) {
        const close = modal.getByRole('button', { name: /^Close/ });
        if (await close.count()) await close.first().click({ timeout: 10_000 });
        else throw new Error(`no close button on the trust editor: ${(await modal.first().innerHTML()).slice(0, 3000)}`);
      } else {
        await page.keyboard.press('Escape');
      }
      await editor.waitFor({ state: 'hidden', timeout: 10_000 });
      return { clicked: 'Trust' };
    },
    async screenshot({ name }) {
      return { file: await screenshot(page, name) };
    },
    async clickExportCsv() {
      await webview(page).locator('vscode-button, button', { hasText: 'Export CSV' }).first().click({ timeout: 10_000 });
      return { clicked: true };
    },
    /** Answers VS Code's own save dialog (the simple file dialog in the web): type the path, press Enter. */
    async answerSaveDialog({ path: file }) {
      const input = page.locator('.quick-input-widget input[type="text"], .quick-input-widget .quick-input-box input').first();
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      // The dialog fills in its default path asynchronously: wait for it, then replace it until it sticks.
      await page.waitForFunction((el) => el.value.length > 0, await input.elementHandle(), { timeout: 10_000 });
      for (let i = 0; i < 20 && (await input.inputValue()) !== file; i++) {
        await input.fill(file);
        await page.waitForTimeout(250); // the dialog validates the path as it is typed
      }
      if ((await input.inputValue()) !== file) throw new Error(`could not type the path into the save dialog (it shows ${await input.inputValue()})`);
      await input.press('Enter');
      const widget = page.locator('.quick-input-widget');
      try {
        await widget.waitFor({ state: 'hidden', timeout: 5000 });
      } catch {
        await page.screenshot({ path: path.join(OUT, 'save-dialog.png') });
        throw new Error(`the save dialog stayed open: ${(await widget.innerText()).replace(/\s+/g, ' ')} (see out/e2e/save-dialog.png)`);
      }
      return { answered: file };
    },
    /** Waits until the workbench has stored (IndexedDB) the dashboard's webview state matching `pattern`. */
    async waitForSavedState({ pattern, timeoutMs = 20_000 }) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const found = await page.evaluate(async (source) => {
          const re = new RegExp(source);
          const dbs = (await indexedDB.databases()).filter((d) => d.name && d.name.startsWith('vscode-web-state-db-'));
          for (const { name } of dbs) {
            const db = await new Promise((resolve, reject) => {
              const r = indexedDB.open(name);
              r.onsuccess = () => resolve(r.result);
              r.onerror = () => reject(r.error);
            });
            try {
              if (!db.objectStoreNames.contains('ItemTable')) continue;
              const values = await new Promise((resolve, reject) => {
                const r = db.transaction('ItemTable').objectStore('ItemTable').getAll();
                r.onsuccess = () => resolve(r.result);
                r.onerror = () => reject(r.error);
              });
              if (values.some((v) => typeof v === 'string' && v.includes('aiUsage.dashboard') && re.test(v))) return true;
            } finally {
              db.close();
            }
          }
          return false;
        }, pattern);
        if (found) return { saved: true };
        if (Date.now() > end) throw new Error(`the workbench did not save a dashboard state matching ${pattern}`);
        await page.waitForTimeout(250);
      }
    },
    async screenshots() {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.mouse.move(5, 5); // no hover tooltips in the picture
      await page.waitForTimeout(1500); // charts finish their first draw
      await page.screenshot({ path: path.join(SCREENSHOTS, 'workbench.png') });
      // The badge with its tooltip (hovered), cropped from the bottom right of the window.
      const item = await badgeItem(page);
      const box = await item.boundingBox();
      if (box) {
        await item.hover();
        const hover = page.locator('.monaco-hover, .workbench-hover').filter({ hasText: 'AI usage' }).first();
        await hover.waitFor({ state: 'visible', timeout: 5000 }).catch(() => undefined);
        await page.waitForTimeout(300);
        const tip = (await hover.count()) ? await hover.boundingBox() : null;
        const boxes = tip ? [box, tip] : [box];
        const pad = 12;
        const vp = page.viewportSize();
        const x0 = Math.max(0, Math.min(...boxes.map((b) => b.x)) - pad);
        const y0 = Math.max(0, Math.min(...boxes.map((b) => b.y)) - pad);
        const x1 = Math.min(vp.width, Math.max(...boxes.map((b) => b.x + b.width)) + pad);
        const y1 = Math.min(vp.height, Math.max(...boxes.map((b) => b.y + b.height)) + pad);
        await page.screenshot({ path: path.join(SCREENSHOTS, 'badge.png'), clip: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } });
        await page.mouse.move(5, 5);
      }
      state.screenshots = true;
      const shots = box ? ['workbench.png', 'badge.png'] : ['workbench.png'];
      if (process.env.UPDATE_DOCS_SCREENSHOTS) for (const f of shots) copyFileSync(path.join(SCREENSHOTS, f), path.join(DOCS_SCREENSHOTS, f));
      return { workbench: path.join(SCREENSHOTS, 'workbench.png'), badge: box ? path.join(SCREENSHOTS, 'badge.png') : null };
    },
  };
}

function startBridge(state) {
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    let out;
    try {
      const { action, ...args } = JSON.parse(body || '{}');
      const fn = state.page && bridgeActions(state.page, state)[action];
      if (!fn) throw new Error(`unknown bridge action ${action} (or no page yet)`);
      out = { ok: true, value: await fn(args) };
    } catch (e) {
      out = { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` })));
}

/** Runs the suite once (one page load); resolves with mocha's counts. */
async function runPhase(state, phase, load) {
  writeFileSync(path.join(state.runDir, 'phase'), phase);
  const results = { passes: 0, failures: 0, exitCode: null };
  const done = new Promise((resolve) => {
    state.onExit = (code) => {
      results.exitCode = code;
      resolve();
    };
    state.onResult = (r) => Object.assign(results, r);
  });
  log(`phase ${phase}: loading the workbench`);
  await load();
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error(`phase ${phase} timed out after ${PHASE_TIMEOUT_MS / 1000} s`)), PHASE_TIMEOUT_MS));
  await Promise.race([done, timeout]);
  log(`phase ${phase}: ${results.passes} passed, ${results.failures} failed (exit code ${results.exitCode})`);
  if (results.exitCode !== 0 && results.failures === 0) results.failures = 1; // crashed before counting
  return results;
}

/** A page whose console carries the suite's report and whose exit ends the phase. */
async function openPage(context, state, chatter) {
  const page = await context.newPage();
  // The suite's report lines carry a prefix; the workbench's own console chatter goes to a file.
  await page.exposeFunction('codeAutomationLog', (level, args) => {
    const text = util.format(...(Array.isArray(args) ? args : [args]));
    for (const line of text.split('\n')) {
      const m = /^\[e2e\] (.*)$/.exec(line);
      if (!m) appendFileSync(chatter, `${line}\n`);
      else if (m[1].startsWith('E2E-RESULT ')) state.onResult(JSON.parse(m[1].slice('E2E-RESULT '.length)));
      else console.log(m[1]);
    }
  });
  await page.exposeFunction('codeAutomationExit', (code) => state.onExit(code));
  page.on('pageerror', (e) => process.env.E2E_VERBOSE && console.log(`[page error] ${e.message}`));
  return page;
}

/**
 * One workbench: its own code-server on a prepared run folder, logged in, opening `folder`; the
 * first phase loads the page, each later one reloads it (as a user reloads the window).
 */
async function runWorkbench(browser, state, bridgeUrl, chatter, { runDir, p, folder, workspaceTrust, phases }) {
  log(`run folder ${runDir}${workspaceTrust ? ' (workspace trust on)' : ''}`);
  const cs = await startCodeServer(p, bridgeUrl, runDir, { workspaceTrust });
  log(`code-server on port ${cs.port}`);
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  try {
    // Log in as a user would (the session cookie is shared with the page).
    const login = await context.request.post(`http://127.0.0.1:${cs.port}/login`, { form: { password: cs.password }, maxRedirects: 0 });
    if (login.status() !== 302) throw new Error(`logging in to code-server failed (HTTP ${login.status()})`);
    const page = await openPage(context, state, chatter);
    state.page = page;
    state.runDir = runDir;
    const url = workbenchUrl(cs.port, folder);
    const results = [];
    for (const [i, phase] of phases.entries()) results.push(await runPhase(state, phase, () => (i === 0 ? page.goto(url) : page.reload())));
    return results;
  } finally {
    state.page = undefined;
    await context.close().catch(() => undefined);
    cs.stop();
    if (!process.env.E2E_KEEP) rmSync(runDir, { recursive: true, force: true });
  }
}

/** The suite is not in the main tsconfig (it needs the e2e globals): check its types here. */
async function typecheckSuite() {
  const tsc = spawn(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(here, 'tsconfig.json')], { cwd: repo, stdio: 'inherit' });
  const [code] = await once(tsc, 'exit');
  if (code !== 0) throw new Error('the e2e suite does not typecheck');
}

async function main() {
  await Promise.all([typecheckSuite(), buildE2E(log)]);
  const state = { runDir: undefined, page: undefined, onExit: () => {}, onResult: () => {}, screenshots: false };
  const bridge = await startBridge(state);
  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const chatter = path.join(OUT, 'workbench-console.log');
  writeFileSync(chatter, '');
  const totals = { passes: 0, failures: 0 };
  const runs = [
    // The extension's own workspace (trust off, as most of the suite needs), then a window reload.
    {
      phases: ['main', 'restore'],
      prepare: () => {
        const r = prepareRun();
        return { ...r, folder: r.p.workspace, workspaceTrust: false };
      },
    },
    // A cloned repository opened in Restricted Mode, then trusted through the workbench's own UI.
    {
      phases: ['trust'],
      prepare: () => {
        const r = prepareTrustRun();
        return { ...r, folder: r.p.clonedRepo, workspaceTrust: true };
      },
    },
    // A store of a million requests: the dashboard's speed, and live updates, at a heavy user's size.
    {
      phases: ['scale'],
      prepare: () => {
        const r = prepareScaleRun(log);
        return { ...r, folder: r.p.workspace, workspaceTrust: false };
      },
    },
    // A team database where two other machines synced: connect it and look at the team.
    {
      phases: ['team'],
      prepare: async () => {
        teamServer = startTeamServer(log);
        const r = await prepareTeamRun(teamServer.url);
        return { ...r, folder: r.p.workspace, workspaceTrust: false };
      },
    },
  ];
  let teamServer;
  // E2E_ONLY=scale (or main,trust …) runs just the windows whose phases are named.
  const only = process.env.E2E_ONLY?.split(',').filter(Boolean);
  try {
    for (const run of runs) {
      if (only && !run.phases.some((p) => only.includes(p))) continue;
      try {
        for (const r of await runWorkbench(browser, state, bridge.url, chatter, { ...(await run.prepare()), phases: run.phases })) {
          totals.passes += r.passes;
          totals.failures += r.failures;
        }
      } catch (e) {
        console.error(`e2e run failed: ${e instanceof Error ? e.stack : e}`);
        totals.failures++;
      }
    }
    if (!state.screenshots) log('warning: no screenshots were taken');
  } finally {
    await browser.close().catch(() => undefined);
    bridge.server.close();
    try {
      teamServer?.stop();
    } catch (e) {
      log(`stopping the team run's PostgreSQL failed: ${e instanceof Error ? e.message : e}`);
    }
  }
  log(`done in ${Math.round((Date.now() - started) / 1000)} s`);
  console.log(`${totals.passes} passed, ${totals.failures} failed`);
  process.exit(totals.failures || !totals.passes ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
