// Plan limits, budgets and Connect Claude Code Limits in the real workbench: the Codex rollout's
// rate_limits on the Limits card (host and screen), a budget crossing 80 % (badge background and
// exactly one notification), and a Connect / Disconnect round trip on a real settings.json run by
// a real shell.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { durationText } from '../../../src/core/limits/limitsView';
import { bridge, fixtures, hasBridge, hostState, report, until } from './helpers';

/** Runs a statusLine command as Claude Code does: through a shell, with its JSON on stdin. */
function runStatusLine(command: string, stdin: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('sh', ['-c', command]);
    let out = '';
    p.stdout.on('data', (b) => (out += b));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out }));
    p.stdin.on('error', () => undefined); // a command that never reads its input may exit first (EPIPE)
    p.stdin.end(stdin);
  });
}

async function closeDiffEditors(): Promise<void> {
  const diffs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff);
  if (diffs.length) await vscode.window.tabGroups.close(diffs);
}

describe('plan limits, budgets and Claude Code limits in VS Code', function () {
  const fx = fixtures();

  it("a Codex rollout's rate_limits show on the Limits card with the right percentages and reset times", async () => {
    const lim = fx.codexLimits!;
    const h = await until('the Codex limits in the worker', async () => {
      const st = await hostState();
      return st.badge.nearest?.tool === 'Codex' && st;
    });
    assert.deepEqual([h.badge.nearest.window, h.badge.nearest.usedPercent, h.badge.nearest.resetsAt], ['5-hour', 42.5, lim.fiveHour.resetsAt]);
    assert.match(h.badge.tooltip, /\*\*Nearest limit\*\*: Codex 5-hour window 43% used, resets in/);
    if (!hasBridge()) return;
    await vscode.commands.executeCommand('aiUsage.showDashboard');
    const card = await until('the Codex Limits card on screen', async () => {
      const c = await bridge('limitsCard', { source: 'codex' });
      return c.rendered && c.windows.length === 2 && c;
    });
    assert.equal(card.origin, 'Official');
    // The settings' zone is UTC; a reset later today shows its time, another day its weekday and date too.
    const clock = (ts: number, withDay: boolean) => new Date(ts).toLocaleString('en-US', { timeZone: 'UTC', ...(withDay ? { weekday: 'short', month: 'short', day: 'numeric' } : {}), hour: 'numeric', minute: '2-digit' });
    const sameDay = (ts: number) => new Date(ts).toISOString().slice(0, 10) === new Date().toISOString().slice(0, 10);
    const expect = (label: string, pct: string, resetsAt: number) => {
      const left = [durationText(resetsAt - Date.now()), durationText(resetsAt - Date.now() + 60_000), durationText(resetsAt - Date.now() - 60_000)];
      return new RegExp(`^${label} ${pct.replace('.', '\\.')} resets in (${left.join('|')}) · ${clock(resetsAt, !sameDay(resetsAt)).replace(/[.]/g, '\\.')}$`);
    };
    assert.match(card.windows[0], expect('5-hour', '42.5%', lim.fiveHour.resetsAt));
    assert.match(card.windows[1], expect('Weekly', '12%', lim.weekly.resetsAt));
    report(`      Limits card: ${card.windows.join(' | ')}`);
  });

  it('a budget crossing 80% turns the badge yellow and raises exactly one notification', async () => {
    const config = vscode.workspace.getConfiguration('aiUsage');
    const h0 = await hostState();
    const spent = h0.badge.summary.current.cost as number;
    assert.ok(spent > 0, 'there is usage today in the workspace');
    try {
      // Today's workspace usage is 85 % of this budget.
      const amountUsd = Math.round((spent / 0.85) * 1e6) / 1e6;
      await config.update('budgets', [{ name: 'E2E daily budget', period: 'day', amountUsd, scope: 'workspace' }], vscode.ConfigurationTarget.Global);
      const h = await until('the badge on the budget', async () => {
        const st = await hostState();
        return st.badge.level === 'warning' && st.budgetNotifications.length > 0 && st;
      });
      assert.match(h.badge.text, /^\$\(graph\) \$\S+ of \$\S+ today \(8[45]%\)$/);
      assert.match(h.badge.tooltip, /\*\*E2E daily budget\*\*/);
      // Data and settings changes check the budget again: still one notification.
      await config.update('budgets', [{ name: 'E2E daily budget', period: 'day', amountUsd, scope: 'workspace' }, { period: 'month', amountUsd: 1e6, scope: 'all' }], vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('aiUsage.importNow');
      await new Promise((r) => setTimeout(r, 1500));
      const after = await hostState();
      assert.equal(after.budgetNotifications.length, 1, JSON.stringify(after.budgetNotifications));
      assert.match(after.budgetNotifications[0].message, /^AI Usage: 8[45]% of E2E daily budget spent/);
      if (hasBridge()) {
        let style: any;
        await until('the warning background on screen', async () => {
          style = await bridge('statusbarStyle');
          return style.found && style.background === style.warning;
        }).catch((e) => {
          throw new Error(`${e.message}; badge style: ${JSON.stringify(style)}`);
        });
        assert.notEqual(style.background, style.error);
        await vscode.commands.executeCommand('notifications.showList');
        const shown = await until('the notification in the notification center', async () => {
          const n = await bridge('notificationCenter', { text: 'E2E daily budget' });
          return n.count > 0 && n;
        });
        assert.equal(shown.count, 1, shown.texts.join(' | '));
        await vscode.commands.executeCommand('notifications.hideList');
        report(`      budget: badge "${after.badge.text}" on ${style.background}; notification: ${shown.texts[0]}`);
      }
    } finally {
      await config.update('budgets', undefined, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('notifications.clearAll');
    }
  });

  it('Connect and Disconnect Claude Code Limits leave settings.json byte-identical after a round trip', async function () {
    if (!hasBridge()) this.skip(); // the confirmation is picked in the page
    const settings = path.join(fx.claudeConfigDir, 'settings.json');
    const original = `{\r\n\t"$schema": "https://json.schemastore.org/claude-code-settings.json",\r\n\t"statusLine": {\r\n\t\t"type": "command",\r\n\t\t"command": "printf '%s' \\"demo status\\"",\r\n\t\t"padding": 0\r\n\t},\r\n\t"model": "sonnet"\r\n}\r\n`;
    fs.writeFileSync(settings, original);
    const input = JSON.stringify({ session_id: 'e2e', model: { display_name: 'Sonnet' }, rate_limits: { five_hour: { used_percentage: 63, resets_at: Math.floor(Date.now() / 1000) + 5400 } } });
    try {
      const connecting = Promise.resolve(vscode.commands.executeCommand('aiUsage.connectClaudeLimits'));
      await bridge('pickQuickInput', { title: 'Connect Claude Code Limits?', label: 'Connect' });
      await connecting;
      const connected = fs.readFileSync(settings, 'utf8');
      assert.notEqual(connected, original);
      assert.equal(fs.readFileSync(`${settings}.before-ai-usage`, 'utf8'), original, 'a backup');
      const command = (JSON.parse(connected) as { statusLine: { command: string } }).statusLine.command;
      // The wrapped status line prints exactly what the user's command printed, and the limits reach the worker.
      assert.deepEqual(await runStatusLine(command, input), { code: 0, out: 'demo status' });
      await until('the Claude Code limits from the statusLine snapshot', async () => {
        const st = await hostState();
        return st.badge.nearest?.tool === 'Claude Code' && st.badge.nearest.usedPercent === 63 && st;
      });

      const disconnecting = Promise.resolve(vscode.commands.executeCommand('aiUsage.disconnectClaudeLimits'));
      await bridge('pickQuickInput', { title: 'Disconnect Claude Code Limits?', label: 'Disconnect' });
      await disconnecting;
      assert.equal(fs.readFileSync(settings, 'utf8'), original, 'byte-identical');
      assert.deepEqual(await runStatusLine(JSON.parse(original.replace(/\r\n\t*/g, '')).statusLine.command, input), { code: 0, out: 'demo status' });
    } finally {
      await closeDiffEditors();
      await vscode.commands.executeCommand('notifications.clearAll');
      await vscode.commands.executeCommand('aiUsage.showDashboard');
    }
  });
});
