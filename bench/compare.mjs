// Compares usage reports reduced to { totals, byDay, byModel, byProject } (see ccusage.mjs).
export const TOKEN_FIELDS = ['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens'];
export const DIMENSIONS = ['byDay', 'byModel', 'byProject'];

/**
 * One name per model whatever the tool calls it: lower case, no provider prefix, no date
 * suffix (claude-sonnet-4-5-20250929 → claude-sonnet-4-5), so that a normalised id on one
 * side matches the raw id on the other.
 */
export function canonModel(m) {
  return String(m).toLowerCase().replace(/^(anthropic|openai|bedrock|vertex_ai)[/.]/, '').replace(/-\d{8}$/, '').replace(/@\d{8}$/, '');
}

const zero = () => ({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, cost: 0 });

/** Re-keys byModel by canonModel, summing models that collapse to one name. */
export function canonical(report) {
  const byModel = {};
  for (const [k, v] of Object.entries(report.byModel)) {
    const s = (byModel[canonModel(k)] ??= zero());
    for (const f of [...TOKEN_FIELDS, 'cost']) s[f] += v[f] ?? 0;
  }
  return { ...report, byModel };
}

/** truth.json → report shape (no cost: the truth is tokens only). */
export function truthReport(truth) {
  const conv = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, { ...v, cost: undefined }]));
  return { totals: { ...truth.totals, cost: undefined }, byDay: conv(truth.byDay), byModel: conv(truth.byModel), byProject: conv(truth.byProject) };
}

const isZero = (s) => !s || TOKEN_FIELDS.every((f) => !s[f]);

/**
 * Exact token differences between two reports, per dimension and key.
 * Keys with all-zero tokens on both sides (e.g. a `<synthetic>` model row) are ignored.
 */
export function tokenDiffs(a, b) {
  const A = canonical(a);
  const B = canonical(b);
  const diffs = [];
  for (const dim of ['totals', ...DIMENSIONS]) {
    const pairs = dim === 'totals' ? [['(all)', A.totals, B.totals]] : [...new Set([...Object.keys(A[dim]), ...Object.keys(B[dim])])].sort().map((k) => [k, A[dim][k], B[dim][k]]);
    for (const [key, x, y] of pairs) {
      if (isZero(x) && isZero(y)) continue;
      for (const f of TOKEN_FIELDS) {
        const vx = x?.[f] ?? 0;
        const vy = y?.[f] ?? 0;
        if (vx !== vy) diffs.push({ dim, key, field: f, a: vx, b: vy, delta: vx - vy, missing: !x ? 'a' : !y ? 'b' : undefined });
      }
    }
  }
  return diffs;
}

/** Relative cost difference of a vs b (b is the reference). */
export function costDiff(a, b) {
  return b.totals.cost ? (a.totals.cost - b.totals.cost) / b.totals.cost : 0;
}

export function formatDiffs(diffs, labelA, labelB, limit = 10) {
  const lines = diffs.slice(0, limit).map((d) => `    ${d.dim.padEnd(9)} ${String(d.key).slice(0, 48).padEnd(48)} ${d.field.padEnd(16)} ${labelA}=${d.a} ${labelB}=${d.b} (Δ ${d.delta > 0 ? '+' : ''}${d.delta})${d.missing ? ` [key missing in ${d.missing === 'a' ? labelA : labelB}]` : ''}`);
  if (diffs.length > limit) lines.push(`    … ${diffs.length - limit} more`);
  return lines.join('\n');
}
