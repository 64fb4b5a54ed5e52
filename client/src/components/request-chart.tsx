// The Requests view's chart: requests per UTC hour or day, stacked by outcome (OK at the bottom,
// then the reasons of refusal), drawn with uPlot like the usage chart (usage-chart.tsx) and loaded
// the same way, with the first view that shows it. uPlot has no stacked bars: each series is drawn
// from 0 up to its running total, the tallest first, so each lower one covers its part of the bar.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { UsageGranularity } from './usage-range';
import type { RequestChartData } from './request-series';

const HEIGHT = 160;
const COUNT_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000];

interface Props {
  data: RequestChartData;
  granularity: UsageGranularity;
  /** What the chart shows, in words: the chart is an image to assistive technology. */
  label: string;
}

/** The top of the stack first (uPlot draws later series over earlier ones). */
function toData({ times, series }: RequestChartData): uPlot.AlignedData {
  const running = times.map(() => 0);
  const stacked = series.map((one) => one.counts.map((count, index) => (running[index]! += count)));
  return [times.map((at) => Date.parse(at) / 1000), ...stacked.reverse()];
}

export default function RequestChart({ data, granularity, label }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(data);
  latest.current = data;
  // a new plot when the series change (a new reason in the range), not when their counts do
  const seriesKey = data.series.map((series) => series.key).join();

  useEffect(() => {
    const element = box.current!;
    const scheme = matchMedia('(prefers-color-scheme: dark)');
    const create = () => {
      plot.current?.destroy();
      const css = getComputedStyle(element);
      const color = (name: string) => css.getPropertyValue(name).trim();
      const halfStep = granularity === 'HOUR' ? 1_800 : 43_200;
      const axis = { stroke: color('--muted'), grid: { stroke: color('--border'), width: 1 }, ticks: { stroke: color('--border'), width: 1 } };
      const bars = uPlot.paths.bars!({ size: [0.8, 32] });
      plot.current = new uPlot(
        {
          width: Math.max(200, element.clientWidth),
          height: HEIGHT,
          legend: { show: false },
          cursor: { drag: { x: false, y: false } },
          tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
          scales: {
            x: { time: true, range: (_plot, min, max) => [min - halfStep, max + halfStep] },
            y: { range: (_plot, _min, max) => [0, Math.max(1, max)] },
          },
          series: [
            {},
            ...[...latest.current.series].reverse().map((series) => ({
              label: series.label,
              stroke: color(series.color),
              fill: color(series.color),
              width: 0,
              paths: bars,
              points: { show: false },
            })),
          ],
          axes: [{ ...axis, space: 60 }, { ...axis, incrs: COUNT_STEPS, size: 50 }],
        },
        toData(latest.current),
        element,
      );
    };
    create();
    scheme.addEventListener('change', create);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, element.clientWidth), height: HEIGHT }));
    resize.observe(element);
    return () => {
      scheme.removeEventListener('change', create);
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [granularity, seriesKey]);

  useEffect(() => {
    plot.current?.setData(toData(data));
  }, [data]);

  return <div ref={box} class="usage-chart" role="img" aria-label={label} data-testid="request-chart" />;
}
