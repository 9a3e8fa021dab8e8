// One model, one colour, everywhere (bars, pie, legends, table chips), stable across reloads.
// A model's preferred slot comes from a hash of its id; the first six slots are the theme's
// --vscode-charts-* colours, the next six are the same hues mixed toward the foreground, so
// up to twelve models never share a colour. Models are placed in id order so the assignment
// depends only on which models exist, not on the current filter or on their costs.
import { mix } from './colorMath';
import type { ThemeColors } from './theme.svelte';

export const OTHER = 'Other';

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export function palette(colors: ThemeColors): string[] {
  return [...colors.charts, ...colors.charts.map((c) => mix(c, colors.foreground, 0.55))];
}

export type ColorOf = (model: string) => string;

/** Colours for every known model; unknown ones (and "Other") get a neutral colour. */
export function modelColors(models: readonly string[], colors: ThemeColors): ColorOf {
  const pal = palette(colors);
  const base = colors.charts.length;
  const taken = new Set<number>();
  const byModel = new Map<string, string>();
  for (const m of [...new Set(models)].sort()) {
    const h = hash(m);
    // Prefer the hashed base colour, then any free base colour, then the mixed ones.
    const order = [h % base, ...Array.from({ length: base }, (_, i) => (h + i) % base), ...Array.from({ length: pal.length - base }, (_, i) => base + ((h + i) % (pal.length - base)))];
    const slot = order.find((s) => !taken.has(s)) ?? h % pal.length;
    taken.add(slot);
    byModel.set(m, pal[slot]);
  }
  const neutral = colors.description;
  return (m) => byModel.get(m) ?? neutral;
}
