import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface LagSample {
  /** Seconds since the epoch, as uPlot's time axis wants. */
  at: number;
  /** Total lag per series name (a topic), null where unknown. */
  lag: Record<string, number | null>;
}

const css = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
const PALETTE = ['--series-1', '--series-2', '--series-3', '--series-4', '--series-5'];

/** Lag over time, one line per topic, from the samples the page took while open. Redrawn on each sample and on a theme change. */
export function LagChart({ samples, series, theme }: { samples: LagSample[]; series: string[]; theme: string | undefined }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const seriesKey = series.join('\n');
  useEffect(() => {
    const el = box.current!;
    const axis = { stroke: css('--muted'), grid: { stroke: css('--grid'), width: 1 }, ticks: { stroke: css('--grid'), width: 1 } };
    plot.current = new uPlot(
      {
        width: el.clientWidth || 600,
        height: 220,
        legend: { live: false },
        // At least a minute wide, so that the first samples do not fill the chart with millisecond ticks.
        scales: { x: { time: true, range: (_u, min, max) => [min, Math.max(max, min + 60)] }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [axis, { ...axis, label: 'lag (records)', labelSize: 16, size: 60 }],
        series: [{}, ...series.map((name, i) => ({ label: name, stroke: css(PALETTE[i % PALETTE.length]!), width: 2, points: { show: false } }))],
      },
      [[]],
      el,
    );
    const observer = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height: 220 }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.current?.destroy();
    };
  }, [seriesKey, theme]);
  useEffect(() => {
    plot.current?.setData([samples.map((s) => s.at), ...series.map((name) => samples.map((s) => s.lag[name] ?? null))]);
  }, [samples, seriesKey, theme]);
  return <div ref={box} class="chart" role="img" aria-label={`Lag over time for ${series.join(', ')}; the table below has the numbers`} />;
}
