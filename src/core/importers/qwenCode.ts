// Qwen Code: `<runtime dir>/projects/<sanitized cwd>/chats/<sessionId>.jsonl`
// (QwenLM/qwen-code `services/chatRecordingService.ts`, `config/storage.ts`).
//
// Every record is self-contained and appended once: `{uuid, parentUuid, sessionId, timestamp,
// type, cwd, model?, usageMetadata?}`. Usage sits on `type: "assistant"` records as Gemini's
// `GenerateContentResponseUsageMetadata` (promptTokenCount, candidatesTokenCount,
// cachedContentTokenCount, thoughtsTokenCount, toolUsePromptTokenCount, totalTokenCount).
// - Dedupe by `uuid` alone: `/branch` copies records verbatim into a new session (same uuid,
//   new sessionId, `forkedFrom`), which must not count twice.
// - Token meaning depends on the provider Qwen converted from: Gemini keeps thoughts outside
//   candidates; the OpenAI-compatible converter puts `completion_tokens` (reasoning included)
//   in candidates and reasoning again in thoughts; the Anthropic converter folds cache reads and
//   writes into the prompt. `normalizeGeminiCounts` tells them apart with totalTokenCount;
//   without it, OpenAI-style (Qwen's default providers) is assumed.
// - Runtime dir: `QWEN_RUNTIME_DIR` > `QWEN_HOME` > `~/.qwen` (runtime output can also be moved
//   in settings.json; such folders go in the extra paths).
import * as path from 'node:path';
import type { UsageRecord } from '../model';
import { readJsonlIncrement, type JsonlParser } from './incremental';
import { filesUnder } from './listing';
import { count, envDir, isObject, keepLastPerKey, normalizeGeminiCounts, parseObject, parseTime, pathApi, uniq } from './toolImportHelpers';
import type { FileCursor, FileReadResult, Importer, SourceContext, WatchTarget } from './types';

const parser: JsonlParser<Record<string, never>> = {
  initialState: () => ({}),
  mustContain: Buffer.from('"usageMetadata"'),
  line(_state, text) {
    const rec = parseObject(text);
    if (!rec) return 'skip';
    if (rec['type'] !== 'assistant' || !isObject(rec['usageMetadata'])) return [];
    const u = rec['usageMetadata'];
    const uuid = typeof rec['uuid'] === 'string' ? rec['uuid'] : '';
    const ts = parseTime(rec['timestamp']);
    const prompt = count(u['promptTokenCount']);
    const candidates = count(u['candidatesTokenCount']);
    // A usage block without the prompt/output split (some providers send only a total) cannot be priced.
    if (!uuid || ts === undefined || prompt === undefined || candidates === undefined) return 'skip';
    const tokens = normalizeGeminiCounts(
      {
        prompt,
        candidates,
        cached: count(u['cachedContentTokenCount']) ?? 0,
        thoughts: count(u['thoughtsTokenCount']) ?? 0,
        tool: count(u['toolUsePromptTokenCount']) ?? 0,
        total: count(u['totalTokenCount']),
      },
      false,
    );
    const record: UsageRecord = {
      source: 'qwen-code',
      dedupeKey: uuid,
      ts,
      project: typeof rec['cwd'] === 'string' ? rec['cwd'] : '',
      modelRaw: typeof rec['model'] === 'string' && rec['model'] ? rec['model'] : 'unknown',
      sessionId: typeof rec['sessionId'] === 'string' ? rec['sessionId'] : '',
      ...tokens,
      cacheWriteTokens: 0,
      cacheWrite1hTokens: 0,
    };
    return [record];
  },
};

export class QwenCodeImporter implements Importer {
  readonly source = 'qwen-code' as const;
  readonly label = 'Qwen Code';

  roots(ctx: SourceContext): string[] {
    const p = pathApi(ctx);
    const bases = uniq([envDir(ctx, 'QWEN_RUNTIME_DIR'), envDir(ctx, 'QWEN_HOME'), p.join(ctx.home, '.qwen')].filter((d): d is string => !!d));
    // Same layout on every OS (Windows: %USERPROFILE%\.qwen).
    return uniq([...bases.map((b) => p.join(b, 'projects')), ...(ctx.extraPaths['qwen-code'] ?? [])]);
  }

  watch(root: string): WatchTarget[] {
    return [{ base: root, glob: '**/*.jsonl' }];
  }

  listFiles(roots: string[]): Promise<string[]> {
    return filesUnder(roots, (f) => f.endsWith('.jsonl'), { descend: (d) => path.basename(d) !== 'node_modules' });
  }

  async readFile(file: string, cursor: FileCursor | undefined): Promise<FileReadResult> {
    const result = await readJsonlIncrement(file, cursor, parser);
    return { ...result, records: keepLastPerKey(result.records) };
  }
}

export const qwenCodeImporter = new QwenCodeImporter();
