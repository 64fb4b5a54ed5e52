// The usage chart of the details view, drawn with uPlot: a well-kept canvas chart library chosen
// for its size (the whole library is ~20 KB gzipped, loaded only when a details view first opens;
// see token-usage.tsx) and for cheap updates: a live document is one setData on the same plot, not
// a re-render. Buckets are UTC hours or days, drawn in UTC like the meter and the CSV.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { UsageGranularity, UsagePoint } from './usage-range';

const HEIGHT = 180;
const COUNT_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000];

interface Props {
  points: readonly UsagePoint[];
  granularity: UsageGranularity;
  /** What the chart shows, in words: the chart is an image to assistive technology. */
  label: string;
}

const toData = (points: readonly UsagePoint[]): uPlot.AlignedData => [
  points.map((point) => Date.parse(point.at) / 1000),
  points.map((point) => point.documentCount),
];

export default function UsageChart({ points, granularity, label }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(points);
  latest.current = points;

  // one plot per granularity and colour scheme; documents only change its data
  useEffect(() => {
    const element = box.current!;
    const scheme = matchMedia('(prefers-color-scheme: dark)');
    let resize: ResizeObserver | undefined;
    const create = () => {
      plot.current?.destroy();
      const css = getComputedStyle(element);
      const color = (name: string) => css.getPropertyValue(name).trim();
      const halfStep = granularity === 'HOUR' ? 1_800 : 43_200;
      const axis = { stroke: color('--muted'), grid: { stroke: color('--border'), width: 1 }, ticks: { stroke: color('--border'), width: 1 } };
      plot.current = new uPlot(
        {
          width: Math.max(200, element.clientWidth),
          height: HEIGHT,
          legend: { show: false },
          cursor: { drag: { x: false, y: false } },
          tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
          scales: {
            // half a bucket either side, so the first and last bars (the live one) are drawn whole
            x: { time: true, range: (_plot, min, max) => [min - halfStep, max + halfStep] },
            y: { range: (_plot, _min, max) => [0, Math.max(1, max)] },
          },
          series: [
            {},
            {
              label: 'Documents',
              stroke: color('--accent'),
              fill: `color-mix(in srgb, ${color('--accent')} 35%, transparent)`,
              width: 1,
              paths: uPlot.paths.bars!({ size: [0.8, 24] }),
              points: { show: false },
            },
          ],
          axes: [{ ...axis, space: granularity === 'HOUR' ? 60 : 50 }, { ...axis, incrs: COUNT_STEPS, size: 50 }],
        },
        toData(latest.current),
        element,
      );
    };
    create();
    scheme.addEventListener('change', create);
    resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, element.clientWidth), height: HEIGHT }));
    resize.observe(element);
    return () => {
      scheme.removeEventListener('change', create);
      resize?.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [granularity]);

  useEffect(() => {
    plot.current?.setData(toData(points));
  }, [points]);

  return <div ref={box} class="usage-chart" role="img" aria-label={label} data-testid="usage-chart" />;
}
