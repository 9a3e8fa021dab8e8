// What usage looks like as OpenTelemetry metrics: the GenAI semantic conventions
// (`gen_ai.client.token.usage`), our cost counter (`ai_usage.cost.usage`), and, in compatibility
// mode, Claude Code's own names (`claude_code.token.usage`, `claude_code.cost.usage`) so Grafana
// dashboards built for Claude Code's telemetry work unchanged.
import type { Attributes, Meter } from '@opentelemetry/api';

/** `semconv`: GenAI conventions + ai_usage.cost.usage; `claude-code`: Claude Code's names; `both`. */
export type MetricNames = 'semconv' | 'claude-code' | 'both';
export const METRIC_NAMES: readonly MetricNames[] = ['semconv', 'claude-code', 'both'];

/** The semantic conventions' advice for token histograms. */
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

/** How much of one request is new since it was last exported. */
export interface UsageDelta {
  model: string;
  /** `ai_usage.*` attributes: source, project, user, machine. */
  identity: Attributes;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  cost: number;
}

/** `gen_ai.provider.name` from a normalised model id (the conventions' well-known values where one fits). */
export function providerOf(model: string): string {
  const m = model.toLowerCase();
  if (m.startsWith('claude')) return 'anthropic';
  if (/^(gpt|o\d|chatgpt|codex|text-embedding|davinci)/.test(m)) return 'openai';
  if (m.startsWith('gemini') || m.startsWith('gemma')) return 'gcp.gen_ai';
  if (m.startsWith('grok')) return 'x_ai';
  if (m.startsWith('deepseek')) return 'deepseek';
  if (/^(mistral|codestral|devstral|magistral|ministral|pixtral)/.test(m)) return 'mistral_ai';
  if (m.startsWith('command')) return 'cohere';
  if (m.startsWith('qwen')) return 'alibaba';
  if (m.startsWith('kimi') || m.startsWith('moonshot')) return 'moonshot';
  if (m.startsWith('glm')) return 'zhipu';
  return '_OTHER';
}

export class UsageInstruments {
  private readonly record: ((d: UsageDelta) => void)[] = [];

  constructor(meter: Meter, names: MetricNames) {
    if (names !== 'claude-code') {
      const tokens = meter.createHistogram('gen_ai.client.token.usage', {
        unit: '{token}',
        description: 'Number of input and output tokens used.',
        advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
      });
      const cost = meter.createCounter('ai_usage.cost.usage', { unit: 'USD', description: 'Cost of AI usage, priced offline (or as the tool reported it).' });
      this.record.push((d) => {
        const base = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': providerOf(d.model), 'gen_ai.request.model': d.model, ...d.identity };
        // The conventions count cached tokens as input tokens.
        const input = d.input + d.cacheRead + d.cacheWrite;
        if (input > 0) tokens.record(input, { ...base, 'gen_ai.token.type': 'input' });
        if (d.output > 0) tokens.record(d.output, { ...base, 'gen_ai.token.type': 'output' });
        if (d.cost > 0) cost.add(d.cost, { ...base });
      });
    }
    if (names !== 'semconv') {
      const tokens = meter.createCounter('claude_code.token.usage', { unit: 'tokens', description: 'Number of tokens used' });
      const cost = meter.createCounter('claude_code.cost.usage', { unit: 'USD', description: 'Cost of the Claude Code session' });
      this.record.push((d) => {
        const base = { model: d.model, 'user.email': String(d.identity['ai_usage.user'] ?? ''), ...d.identity };
        const kinds: [string, number][] = [
          ['input', d.input],
          ['output', d.output],
          ['cacheRead', d.cacheRead],
          ['cacheCreation', d.cacheWrite],
        ];
        for (const [type, n] of kinds) if (n > 0) tokens.add(n, { ...base, type });
        if (d.cost > 0) cost.add(d.cost, base);
      });
    }
  }

  add(d: UsageDelta): void {
    for (const r of this.record) r(d);
  }
}
