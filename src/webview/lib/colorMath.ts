// Colour strings as CSS and VS Code themes write them: parsed, made opaque, mixed. Plain
// functions with no imports, so the theme reader and the palette can share them.

/** Parses #rgb, #rrggbb(aa) and rgb(a)(); undefined for anything else. */
export function parseColor(c: string): [number, number, number, number] | undefined {
  const hex = /^#([0-9a-f]{3,8})$/i.exec(c.trim());
  if (hex) {
    let h = hex[1];
    if (h.length === 3 || h.length === 4) h = [...h].map((x) => x + x).join('');
    if (h.length !== 6 && h.length !== 8) return undefined;
    const n = (i: number) => parseInt(h.slice(i, i + 2), 16);
    return [n(0), n(2), n(4), h.length === 8 ? n(6) / 255 : 1];
  }
  const rgb = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$/i.exec(c.trim());
  if (rgb) {
    const a = rgb[4] === undefined ? 1 : rgb[4].endsWith('%') ? parseFloat(rgb[4]) / 100 : parseFloat(rgb[4]);
    return [+rgb[1], +rgb[2], +rgb[3], a];
  }
  return undefined;
}

/**
 * The colour without its transparency. Some themes' chart colours are translucent (VS Code's
 * default charts.orange falls back to the find-match highlight, #EA5C0055): drawn as is, a series
 * turns brown on a dark background and its bars blend with the grid behind them.
 */
export function opaque(c: string): string {
  const p = parseColor(c);
  return p && p[3] < 1 ? `rgb(${p[0]}, ${p[1]}, ${p[2]})` : c;
}

/** `a` mixed with `b` (weight of a), as rgb(); `a` unchanged if either cannot be parsed. */
export function mix(a: string, b: string, weight: number): string {
  const x = parseColor(a);
  const y = parseColor(b);
  if (!x || !y) return a;
  const m = (i: number) => Math.round(x[i] * weight + y[i] * (1 - weight));
  return `rgb(${m(0)}, ${m(1)}, ${m(2)})`;
}
