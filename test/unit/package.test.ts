// The packaged extension carries everything it needs: the wasm, the price table, the workers.
// Packs a real .vsix, unpacks it far from node_modules and runs its CLI on real logs.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../support/tempDir';

const exec = promisify(execFile);
const repo = path.resolve(__dirname, '..', '..');

describe('the packaged .vsix', () => {
  it('runs from its own files: CLI import, prices and report', async function () {
    if (!existsSync(path.join(repo, 'dist', 'extension.js'))) this.skip(); // `npm test` builds first
    this.timeout(120_000);
    const dir = await tempDir('ai-usage-vsix-');
    const vsix = path.join(dir, 'x.vsix');
    await exec(process.execPath, [require.resolve('@vscode/vsce/vsce'), 'package', '--no-dependencies', '--no-rewrite-relative-links', '--allow-missing-repository', '--out', vsix], { cwd: repo });
    // A .vsix is a zip; python3's zipfile unpacks it on every machine this project runs on.
    await exec('python3', ['-m', 'zipfile', '-e', vsix, path.join(dir, 'x')]);
    const dist = path.join(dir, 'x', 'extension', 'dist');
    for (const f of ['extension.js', 'engineWorker.js', 'parseWorker.js', 'cli.js', 'pricing.js', 'sql-wasm.wasm', 'webview.js', 'webview.css', 'codicon.css']) {
      assert.ok(existsSync(path.join(dist, f)), `${f} is packaged`);
    }
    assert.deepEqual((await fs.readdir(dist)).filter((f) => f.endsWith('.map')), [], 'no source maps');

    const home = path.join(dir, 'home');
    const proj = path.join(home, '.claude', 'projects', '-w');
    await fs.mkdir(proj, { recursive: true });
    await fs.writeFile(
      path.join(proj, 's.jsonl'),
      JSON.stringify({ type: 'assistant', cwd: '/w', sessionId: 's', version: '2.1.0', timestamp: '2026-08-20T10:00:00.000Z', requestId: 'r',
        message: { id: 'm', model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 100000, output_tokens: 100000 } } }) + '\n',
    );
    const env = { ...process.env, HOME: home, USERPROFILE: home, XDG_CONFIG_HOME: '', CLAUDE_CONFIG_DIR: '', CODEX_HOME: '', AI_USAGE_HOME: path.join(dir, 'data'), NODE_PATH: '' };
    const { stdout } = await exec(process.execPath, [path.join(dist, 'cli.js'), 'report', 'models', '--json'], { env, cwd: dir });
    const report = JSON.parse(stdout);
    assert.equal(report.rows[0].key, 'claude-sonnet-4-5');
    assert.ok(Math.abs(report.rows[0].cost - (0.1 * 3 + 0.1 * 15)) < 1e-9, `100k input at $3/M + 100k output at $15/M, got ${report.rows[0].cost}`);
  });
});
