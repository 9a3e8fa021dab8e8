// `ai-usage budget`, `ai-usage limits` and `ai-usage report branches`, run in-process on real
// logs (stamped relative to now) and a real VS Code settings file.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { vscodeUserSettings } from '../../../src/cli/budgetCommand';
import { cli } from '../../support/cliRun';
import { tempDir } from '../../support/tempDir';

describe('ai-usage budget, limits and report branches', () => {
  const now = Date.now();
  const iso = (ts: number) => new Date(ts).toISOString();
  let env: Record<string, string>;
  let home: string;

  before(async () => {
    home = await tempDir('ai-usage-budget-');
    const proj = path.join(home, '.claude', 'projects', '-work-app');
    await fs.mkdir(proj, { recursive: true });
    const line = (id: string, ts: number, branch: string, out: number) =>
      JSON.stringify({
        type: 'assistant', cwd: '/work/app', sessionId: 's1', version: '2.1.90', gitBranch: branch, timestamp: iso(ts), requestId: `req_${id}`,
        message: { id: `msg_${id}`, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 1000, output_tokens: out, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } },
      });
    // $3/M in, $15/M out: (1000 × 3 + 100,000 × 15) / 1e6 = $1.503 and half that.
    await fs.writeFile(path.join(proj, 's1.jsonl'), [line('a', now - 60_000, 'main', 100_000), line('b', now - 50_000, 'feature/limits', 50_000)].join('\n') + '\n');
    const codexDir = path.join(home, '.codex', 'sessions', '2026', '11', '28');
    await fs.mkdir(codexDir, { recursive: true });
    const resets5h = Math.floor(now / 1000) + 3600;
    await fs.writeFile(
      path.join(codexDir, 'rollout-2026-11-28T10-00-00-0199fe39-c07c-71d0-9ceb-9315a0946d34.jsonl'),
      [
        JSON.stringify({ timestamp: iso(now - 120_000), type: 'session_meta', payload: { id: '0199fe39-c07c-71d0-9ceb-9315a0946d34', cwd: '/work/app', git: { branch: 'main' } } }),
        JSON.stringify({ timestamp: iso(now - 110_000), type: 'event_msg', payload: { type: 'token_count', info: null, rate_limits: { limit_id: 'codex', primary: { used_percent: 72, window_minutes: 300, resets_at: resets5h }, secondary: { used_percent: 30, window_minutes: 10080, resets_at: resets5h + 86400 }, plan_type: 'plus' } } }),
      ].join('\n') + '\n',
    );
    const settings = path.join(home, 'vscode-settings.json');
    await fs.writeFile(
      settings,
      `// VS Code settings, with comments\n{\n  "aiUsage.budgets": [\n    { "name": "Monthly", "period": "month", "amountUsd": 2, "scope": "all" },\n    { "period": "day", "amountUsd": 100, "scope": "workspace", "sources": ["codex"] },\n    { "period": "fortnight", "amountUsd": 1 },\n  ],\n}\n`,
    );
    env = { HOME: home, USERPROFILE: home, XDG_CONFIG_HOME: path.join(home, '.config'), CLAUDE_CONFIG_DIR: '', CODEX_HOME: '', GEMINI_CLI_HOME: home, AI_USAGE_HOME: path.join(home, 'data') };
  });

  it('budget --json: spent, percent, level and forecast per budget, with warnings for bad entries', async () => {
    const r = await cli(['budget', '--json', '--settings', path.join(home, 'vscode-settings.json'), '--tz', 'UTC'], env);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /aiUsage\.budgets\[2\]\.period must be "day", "week" or "month"/);
    const { budgets } = JSON.parse(r.out);
    assert.deepEqual(Object.keys(budgets[0]), ['name', 'period', 'periodLabel', 'from', 'to', 'scope', 'sources', 'amountUsd', 'spent', 'unpricedRequests', 'percent', 'level', 'daysLeft', 'forecast']);
    assert.equal(budgets.length, 2);
    assert.ok(Math.abs(budgets[0].spent - (1.503 + 0.753)) < 1e-9, String(budgets[0].spent));
    assert.equal(budgets[0].level, 'over');
    assert.equal(budgets[1].name, 'Daily budget (this workspace, codex)');
    assert.equal(budgets[1].spent, 0);
    const text = await cli(['budget', '--settings', path.join(home, 'vscode-settings.json'), '--tz', 'UTC', '--no-import'], env);
    assert.match(text.out, /Monthly\s+\S+ \d{4}\s+\$2\.26\s+\$2\.00\s+112% !!/);
  });

  it('budget without settings says where to set them; a missing --settings file is an error', async () => {
    const r = await cli(['budget', '--no-import'], env);
    assert.equal(r.code, 0);
    assert.match(r.out, new RegExp(`No budgets\\. Set aiUsage\\.budgets in VS Code's settings \\(${vscodeUserSettings(env, process.platform, home).replace(/[.\\/]/g, '\\$&')}\\)`));
    const bad = await cli(['budget', '--settings', path.join(home, 'nope.json'), '--no-import'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /cannot read settings file/);
  });

  it('limits prints the official windows with their reset times', async () => {
    const r = await cli(['limits', '--tz', 'UTC', '--no-import'], env);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Codex \(reported by the tool\)\n {2}Codex \[plus\] 5-hour: 72% used, resets in (59 min|1 h)/);
    assert.match(r.out, /Weekly: 30% used, resets in 1 d (1 h|59 min)?/);
    assert.match(r.out, /Claude Code \(estimated from the logs\)\n {2}current 5-hour block \(estimated\): \$2\.26/);
    const j = JSON.parse((await cli(['limits', '--json', '--no-import'], env)).out);
    assert.deepEqual([j.nearest.tool, j.nearest.usedPercent], ['Codex', 72]);
  });

  it('report branches sums per git branch, and --branch filters', async () => {
    const r = JSON.parse((await cli(['report', 'branches', '--json', '--no-import'], env)).out);
    assert.deepEqual(r.rows.map((x: { key: string; messages: number }) => [x.key, x.messages]), [['main', 1], ['feature/limits', 1]]);
    const only = JSON.parse((await cli(['report', 'daily', '--json', '--branch', 'feature/limits', '--no-import'], env)).out);
    assert.equal(only.totals.messages, 1);
  });
});
