// Continue (continuedev/continue): the local dev-data log
// `${CONTINUE_GLOBAL_DIR:-~/.continue}/dev_data/<schema>/tokensGenerated.jsonl` (`core/data/log.ts`,
// "Local logs (always on for all levels)", schema "0.2.0"), plus the older unversioned
// `dev_data/tokensGenerated.jsonl`.
//
// One line per LLM call (chat, autocomplete, edit, apply):
//   {"eventName":"tokensGenerated","schema":"0.2.0","timestamp":"…","model":"…","provider":"…",
//    "promptTokens":10234,"generatedTokens":512, …}
// No cache split, reasoning, cost, project or session: input = promptTokens, priced from tokens.
// Some 0.2.0 builds named the time `createdAt`. Schema 0.1.0 and the pre-versioned
// `tokens_generated.jsonl` carry no time at all: such lines cannot be dated and are counted as
// skipped (their usage also lives in devdata.sqlite, see below).
//
// Deliberately NOT read: `dev_data/devdata.sqlite` (`tokens_generated` table). Continue writes the
// same events there too; importing both would double count.
//
// Dedupe: a hash of the line. Two identical lines (same ms timestamp, same counts) are one event.
import * as path from 'node:path';
import type { UsageRecord } from '../model';
import { readJsonlIncrement, type JsonlParser } from './incremental';
import { filesUnder } from './listing';
import { count, envDir, keepLastPerKey, parseObject, parseTime, pathApi, sha1, uniq } from './toolImportHelpers';
import type { FileCursor, FileReadResult, Importer, SourceContext, WatchTarget } from './types';

const FILE_NAME = 'tokensGenerated.jsonl';

const parser: JsonlParser<Record<string, never>> = {
  initialState: () => ({}),
  mustContain: Buffer.from('generatedTokens'),
  line(_state, text) {
    const ev = parseObject(text);
    if (!ev) return 'skip';
    if (ev['eventName'] !== undefined && ev['eventName'] !== 'tokensGenerated') return [];
    const ts = parseTime(ev['timestamp']) ?? parseTime(ev['createdAt']);
    const input = count(ev['promptTokens']);
    const output = count(ev['generatedTokens']);
    if (ts === undefined || input === undefined || output === undefined) return 'skip';
    const record: UsageRecord = {
      source: 'continue',
      dedupeKey: sha1(text.trim()),
      ts,
      project: '',
      modelRaw: typeof ev['model'] === 'string' && ev['model'] ? ev['model'] : 'unknown',
      sessionId: '',
      inputTokens: input,
      outputTokens: output,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      cacheWrite1hTokens: 0,
      reasoningTokens: 0,
    };
    return [record];
  },
};

export class ContinueImporter implements Importer {
  readonly source = 'continue' as const;
  readonly label = 'Continue';

  roots(ctx: SourceContext): string[] {
    const p = pathApi(ctx);
    // Same layout on every OS (Windows: %USERPROFILE%\.continue).
    const globalDir = envDir(ctx, 'CONTINUE_GLOBAL_DIR') ?? p.join(ctx.home, '.continue');
    return uniq([p.join(globalDir, 'dev_data'), ...(ctx.extraPaths['continue'] ?? [])]);
  }

  watch(root: string): WatchTarget[] {
    return [{ base: root, glob: '**/tokensGenerated.jsonl' }];
  }

  listFiles(roots: string[]): Promise<string[]> {
    // dev_data/tokensGenerated.jsonl and dev_data/<schema>/tokensGenerated.jsonl only.
    return filesUnder(roots, (f) => path.basename(f) === FILE_NAME, { descend: (d, root) => path.dirname(path.resolve(d)) === path.resolve(root) });
  }

  async readFile(file: string, cursor: FileCursor | undefined): Promise<FileReadResult> {
    const result = await readJsonlIncrement(file, cursor, parser);
    return { ...result, records: keepLastPerKey(result.records) };
  }
}

export const continueImporter = new ContinueImporter();
