// Workspace trust through a whole import: a cloned repository holding Aider files (a chat history,
// and an .aider.conf.yml whose analytics-log names a file outside it) adds nothing while the
// workspace is untrusted, while the user's own logs under the home folder are imported as usual;
// once trusted, both of the workspace's files are read.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { runImport } from '../../../src/core/engine/runImport';
import { describeSources } from '../../../src/core/engine/sourceStatus';
import { IMPORTERS } from '../../../src/core/importers/registry';
import type { SourceContext } from '../../../src/core/importers/types';
import { Pricer } from '../../../src/core/pricing';
import { totals } from '../../../src/core/queries/aggregate';
import { UsageStore } from '../../../src/core/store/usageStore';
import { tempDir } from '../../support/tempDir';

async function put(file: string, content: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, content);
}

describe('workspace trust', () => {
  it('an untrusted workspace adds no Aider usage (history or the log its config names); trusting it imports both', async () => {
    const root = await tempDir();
    const home = path.join(root, 'home');
    const repo = path.join(root, 'cloned-repo');
    const planted = path.join(root, 'elsewhere', 'analytics.jsonl');
    // The user's own Claude Code log: imported whatever the workspace.
    await put(
      path.join(home, '.claude/projects/-w/s.jsonl'),
      JSON.stringify({ type: 'assistant', cwd: '/w', sessionId: 's', timestamp: '2026-08-20T10:00:00.000Z', requestId: 'r1',
        message: { id: 'm1', model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 10, output_tokens: 5 } } }) + '\n',
    );
    await put(
      path.join(repo, '.aider.chat.history.md'),
      ['# aider chat started at 2026-08-20 10:00:00', '> Main model: claude-sonnet-4-20250514 with diff edit format', '> Tokens: 4.2k sent, 300 received. Cost: $0.02 message, $0.02 session.', ''].join('\n'),
    );
    await put(path.join(repo, '.aider.conf.yml'), `model: sonnet\nanalytics-log: ${planted}\n`);
    await put(planted, JSON.stringify({ event: 'message_send', properties: { main_model: 'gpt-4o', prompt_tokens: 1000, completion_tokens: 10, cost: 42 }, time: 1755684005 }) + '\n');

    const ctx = (workspaceTrusted: boolean): SourceContext => ({ home, env: {}, platform: 'linux', extraPaths: {}, workspaceFolders: [repo], workspaceTrusted });
    const store = await UsageStore.inMemory();
    const pricer = new Pricer();
    const aider = async (c: SourceContext) => (await describeSources(store, IMPORTERS, c)).find((s) => s.source === 'aider')!;

    const untrusted = await runImport(store, { ctx: ctx(false), pricer });
    assert.deepEqual(untrusted.errors, []);
    assert.equal(totals(store.catalog, {}).messages, 1, 'only the home folder’s Claude Code request');
    const before = await aider(ctx(false));
    assert.equal(before.rows, 0);
    assert.equal(before.files, 0);
    assert.deepEqual(before.roots, [], 'nowhere in the workspace was looked at');
    assert.equal(totals(store.catalog, { projects: [repo] }).messages, 0);

    const trusted = await runImport(store, { ctx: ctx(true), pricer });
    assert.deepEqual(trusted.errors, []);
    const after = await aider(ctx(true));
    assert.equal(after.rows, 2, 'the history’s request and the planted log’s event');
    assert.equal(after.files, 2);
    assert.deepEqual(after.roots, [{ path: path.join(repo, '.aider.chat.history.md'), found: true }]);
    assert.equal(totals(store.catalog, { projects: [repo] }).messages, 1, 'the history’s request is the workspace’s');
    assert.equal(totals(store.catalog, {}).messages, 3);
  });
});
