// The VS Code theme as the webview sees it: the body class says which kind, the --vscode-*
// variables give the colours. Canvas charts cannot use CSS variables, so the values are read
// here and re-read whenever VS Code switches theme (it changes the body class and the variables).
import { opaque } from './colorMath';

export type ThemeKind = 'dark' | 'light' | 'hc-dark' | 'hc-light';

export interface ThemeColors {
  foreground: string;
  description: string;
  background: string;
  chartsForeground: string;
  chartsLines: string;
  /** --vscode-charts-{blue,orange,green,purple,red,yellow}: the model palette's first six. */
  charts: string[];
  hoverBackground: string;
  hoverForeground: string;
  hoverBorder: string;
  focusBorder: string;
  contrastBorder: string;
  fontFamily: string;
  fontSize: number;
}

// VS Code always defines these; the fallbacks only matter in a plain browser.
const FALLBACK_DARK: Record<string, string> = {
  foreground: '#cccccc',
  descriptionForeground: '#9d9d9d',
  'editor-background': '#1f1f1f',
  'charts-foreground': '#cccccc',
  'charts-lines': 'rgba(204, 204, 204, 0.5)',
  'charts-blue': '#3794ff',
  'charts-orange': '#d18616',
  'charts-green': '#89d185',
  'charts-purple': '#b180d7',
  'charts-red': '#f14c4c',
  'charts-yellow': '#cca700',
  'editorHoverWidget-background': '#202020',
  'editorHoverWidget-foreground': '#cccccc',
  'editorHoverWidget-border': '#454545',
  focusBorder: '#0078d4',
  contrastBorder: '',
  'font-family': 'system-ui, sans-serif',
  'font-size': '13px',
};

export const CHART_PALETTE_VARS = ['blue', 'orange', 'green', 'purple', 'red', 'yellow'] as const;

export function themeKind(body: HTMLElement = document.body): ThemeKind {
  const c = body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'hc-light';
  if (c.contains('vscode-high-contrast')) return 'hc-dark';
  if (c.contains('vscode-light')) return 'light';
  return 'dark';
}

export function readThemeColors(): ThemeColors {
  const style = getComputedStyle(document.body);
  const v = (name: string) => style.getPropertyValue(`--vscode-${name}`).trim() || FALLBACK_DARK[name];
  return {
    foreground: v('foreground'),
    description: v('descriptionForeground'),
    background: v('editor-background'),
    chartsForeground: v('charts-foreground'),
    chartsLines: v('charts-lines'),
    charts: CHART_PALETTE_VARS.map((c) => opaque(v(`charts-${c}`))),
    hoverBackground: v('editorHoverWidget-background'),
    hoverForeground: v('editorHoverWidget-foreground'),
    hoverBorder: v('editorHoverWidget-border'),
    focusBorder: v('focusBorder'),
    contrastBorder: v('contrastBorder'),
    fontFamily: v('font-family'),
    fontSize: parseFloat(v('font-size')) || 13,
  };
}

/** The live theme; `version` changes on every switch so charts can re-theme. */
export const theme = $state({ kind: themeKind(), colors: readThemeColors(), version: 0 });

/** Starts following theme switches; returns the stop function. */
export function watchTheme(): () => void {
  const update = () => {
    theme.kind = themeKind();
    theme.colors = readThemeColors();
    theme.version++;
  };
  update();
  // VS Code swaps the body class and the variables on <html style> together; watch both.
  const mo = new MutationObserver(update);
  mo.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  mo.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
  return () => mo.disconnect();
}

export const isHighContrast = (k: ThemeKind) => k === 'hc-dark' || k === 'hc-light';
