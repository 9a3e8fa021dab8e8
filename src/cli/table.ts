// Plain-text tables for the terminal: right-aligned numbers, a rule under the header and above totals.

export function renderTable(header: string[], rows: string[][], footer?: string[], numeric: boolean[] = []): string {
  const all = [header, ...rows, ...(footer ? [footer] : [])];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  const out = [line(header), rule, ...rows.map(line)];
  if (footer) out.push(rule, line(footer));
  return out.join('\n');
}

