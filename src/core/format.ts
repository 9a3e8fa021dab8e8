// Number formats shared by the CLI, the status bar and the webview (no Node or DOM APIs here).

// Grouping by hand, not toLocaleString: the first Intl number format costs ~100 ms of ICU start-up,
// which a CLI run would pay just to print a table.
function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Exact integer with thousands separators: 98,765,432. */
export function formatInt(n: number): string {
  const r = Math.round(n);
  return (r < 0 ? '-' : '') + group(String(Math.abs(r)));
}

/** Dollars: two decimals from $1 up, four significant digits below ($0.004213), so a real cost never reads $0.00. */
export function formatUsd(n: number): string {
  if (n === 0 || !Number.isFinite(n)) return '$0.00';
  const sign = n < 0 ? '-' : '';
  const a = Math.abs(n);
  if (a >= 0.995) {
    const [int, frac] = a.toFixed(2).split('.');
    return `${sign}$${group(int)}.${frac}`;
  }
  const decimals = Math.min(20, Math.max(2, 3 - Math.floor(Math.log10(a))));
  let text = a.toFixed(decimals);
  while (text.endsWith('0') && text.length - text.indexOf('.') > 3) text = text.slice(0, -1);
  return `${sign}$${text}`;
}

/** Compact form for chart axes and badges: 1.2K, 3.4M, 5.6B. Never the only place a number is shown. */
export function formatCompact(n: number): string {
  return n.toLocaleString('en-US', { notation: 'compact', maximumFractionDigits: 1 });
}

/**
 * Dollar ticks on a chart axis. Ticks are round numbers, so they need few digits, but small
 * ranges must not collapse into identical labels ($0.02, $0.04, never $0, $0, $0.1).
 */
export function formatAxisUsd(v: number): string {
  if (v === 0) return '$0';
  const a = Math.abs(v);
  const text = a >= 1000 ? formatCompact(a) : String(Number(a.toPrecision(3)));
  return `${v < 0 ? '-' : ''}$${text}`;
}

/** A share as a percentage with one decimal below 10 %: 7.5%, 42%. */
export function formatPercent(fraction: number): string {
  const p = fraction * 100;
  if (!Number.isFinite(p)) return '–';
  return `${p < 10 && p > 0 ? p.toFixed(1) : Math.round(p)}%`;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}
