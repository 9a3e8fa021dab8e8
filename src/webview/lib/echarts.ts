// ECharts, tree-shaken to what the dashboard draws (about half the full bundle), and the
// theme object built from the VS Code colours (applied with chart.setTheme on every switch).
import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { DataZoomSliderComponent, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import type { ComposeOption } from 'echarts/core';
import type { BarSeriesOption, LineSeriesOption, PieSeriesOption } from 'echarts/charts';
import type { DataZoomComponentOption, GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components';
import { isHighContrast, type ThemeColors, type ThemeKind } from './theme.svelte';

echarts.use([LineChart, BarChart, PieChart, GridComponent, TooltipComponent, LegendComponent, DataZoomSliderComponent, MarkLineComponent, CanvasRenderer]);

export { echarts };
export type ChartOption = ComposeOption<
  LineSeriesOption | BarSeriesOption | PieSeriesOption | GridComponentOption | TooltipComponentOption | LegendComponentOption | DataZoomComponentOption
>;
export type Chart = echarts.ECharts;

export function chartTheme(c: ThemeColors, kind: ThemeKind): object {
  const hc = isHighContrast(kind);
  const text = { color: c.chartsForeground, fontFamily: c.fontFamily, fontSize: Math.max(11, c.fontSize - 1) };
  const axis = {
    axisLine: { show: true, lineStyle: { color: c.chartsLines } },
    axisTick: { show: false },
    axisLabel: { color: hc ? c.foreground : c.description, fontFamily: c.fontFamily },
    splitLine: { show: true, lineStyle: { color: c.chartsLines, opacity: hc ? 0.6 : 0.25 } },
    nameTextStyle: { color: c.description },
  };
  return {
    color: c.charts,
    backgroundColor: 'transparent',
    textStyle: text,
    legend: { textStyle: { color: c.foreground, fontFamily: c.fontFamily }, inactiveColor: c.chartsLines },
    // HTML tooltips are styled from their own class (see app.css); the box colours must be
    // set here because ECharts writes them as inline CSSOM properties.
    tooltip: {
      backgroundColor: c.hoverBackground,
      borderColor: hc ? c.contrastBorder || c.hoverBorder : c.hoverBorder,
      borderWidth: 1,
      textStyle: { color: c.hoverForeground, fontFamily: c.fontFamily, fontSize: c.fontSize },
      axisPointer: { lineStyle: { color: c.chartsLines }, shadowStyle: { color: c.chartsLines, opacity: 0.15 } },
    },
    categoryAxis: { ...axis, splitLine: { show: false } },
    valueAxis: { ...axis, axisLine: { show: false } },
    line: { symbol: 'circle', symbolSize: 5, lineStyle: { width: hc ? 3 : 2 } },
    bar: { itemStyle: { borderColor: hc ? c.background : 'transparent', borderWidth: hc ? 1 : 0 } },
    pie: { itemStyle: { borderColor: c.background, borderWidth: hc ? 2 : 1 } },
    dataZoom: {
      textStyle: { color: c.description },
      borderColor: c.chartsLines,
      fillerColor: 'rgba(128, 128, 128, 0.18)',
      handleStyle: { color: c.background, borderColor: c.foreground },
      moveHandleStyle: { color: c.chartsLines, opacity: 0.5 },
      dataBackground: { lineStyle: { color: c.chartsLines }, areaStyle: { color: c.chartsLines, opacity: 0.2 } },
      selectedDataBackground: { lineStyle: { color: c.charts[0] }, areaStyle: { color: c.charts[0], opacity: 0.25 } },
      brushStyle: { color: 'rgba(128, 128, 128, 0.2)' },
      emphasis: { handleStyle: { borderColor: c.focusBorder } },
    },
  };
}

/** A tooltip body built as DOM (no HTML strings: nothing to escape, no inline style attributes for the CSP). */
export function tooltipBox(title: string, rows: { color?: string; label: string; value: string; note?: string }[]): HTMLElement {
  const box = document.createElement('div');
  box.className = 'tt';
  const head = document.createElement('div');
  head.className = 'tt-title';
  head.textContent = title;
  box.append(head);
  for (const r of rows) {
    const row = document.createElement('div');
    row.className = 'tt-row';
    const dot = document.createElement('span');
    dot.className = 'tt-dot';
    if (r.color) dot.style.backgroundColor = r.color; // CSSOM, allowed by style-src
    const label = document.createElement('span');
    label.className = 'tt-label';
    label.textContent = r.label;
    const value = document.createElement('span');
    value.className = 'tt-value';
    value.textContent = r.value;
    row.append(dot, label, value);
    if (r.note) {
      const note = document.createElement('span');
      note.className = 'tt-note';
      note.textContent = r.note;
      row.append(note);
    }
    box.append(row);
  }
  return box;
}

/** Reduced motion (or a test run that asks for it) turns chart animation off. */
export const animate = (): boolean => !window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;

/**
 * The frame of the cards' small charts (budget, value, session): compact grid, an axis tooltip
 * built by `rows` for the hovered index.
 */
export function smallAxisChart(tooltip: (index: number) => HTMLElement, shadow = false): Pick<ChartOption, 'animation' | 'grid' | 'tooltip'> {
  return {
    animation: animate(),
    grid: { left: 8, right: 12, top: 12, bottom: 4, outerBoundsMode: 'same', outerBoundsContain: 'axisLabel' },
    tooltip: {
      trigger: 'axis',
      ...(shadow ? { axisPointer: { type: 'shadow' } } : {}),
      confine: true,
      className: 'chart-tooltip',
      formatter: (params) => tooltip((Array.isArray(params) ? params[0] : params)?.dataIndex ?? 0),
    },
  };
}
