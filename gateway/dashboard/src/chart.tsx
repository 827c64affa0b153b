import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

const PALETTE = ['#2563eb', '#059669', '#7c3aed', '#d97706', '#0891b2', '#db2777'];
const BREACH = '#dc2626';
const LIMIT = '#b91c1c';

/** One line of a readings chart: a device's values of one measurement. */
export interface ChartSeries {
  readonly label: string;
  /** Seconds since the epoch, ascending. */
  readonly x: readonly number[];
  readonly y: readonly number[];
}

/** A compliance limit, drawn as a dashed horizontal line. */
export interface ChartLimit {
  readonly label: string;
  readonly value: number;
}

/** A reading that breached a limit, marked on the chart. */
export interface ChartMark {
  readonly x: number;
  readonly y: number;
}

/** Series on one shared, sorted x axis, as uPlot wants them; null where a series has no value at that time. */
function align(series: readonly ChartSeries[], marks: readonly ChartMark[]): uPlot.AlignedData {
  const xs = [...new Set([...series.flatMap((s) => s.x), ...marks.map((m) => m.x)])].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const column = (points: Iterable<readonly [number, number]>): (number | null)[] => {
    const values = new Array<number | null>(xs.length).fill(null);
    for (const [x, y] of points) values[index.get(x)!] = y;
    return values;
  };
  return [
    xs,
    ...series.map((s) => column(s.x.map((x, i) => [x, s.y[i]!] as const))),
    column(marks.map((m) => [m.x, m.y] as const)),
  ];
}

function drawLimits(limits: readonly ChartLimit[]) {
  return (u: uPlot): void => {
    const { ctx, bbox } = u;
    ctx.save();
    ctx.strokeStyle = LIMIT;
    ctx.fillStyle = LIMIT;
    ctx.lineWidth = 1.5 * devicePixelRatio;
    ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
    ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
    for (const limit of limits) {
      const y = Math.round(u.valToPos(limit.value, 'y', true));
      ctx.beginPath();
      ctx.moveTo(bbox.left, y);
      ctx.lineTo(bbox.left + bbox.width, y);
      ctx.stroke();
      // At the right end: the left one is where the axis' own labels are.
      const width = ctx.measureText(limit.label).width;
      ctx.fillText(
        limit.label,
        bbox.left + bbox.width - width - 4 * devicePixelRatio,
        y - 4 * devicePixelRatio,
      );
    }
    ctx.restore();
  };
}

/**
 * Readings of one measurement over time, one line per device, the compliance limits drawn across and every
 * breaching reading marked in red. Redrawn in place when the data change (live updates), rebuilt when the set of
 * lines changes.
 */
export function ReadingsChart(props: {
  readonly unit: string;
  readonly series: readonly ChartSeries[];
  readonly limits: readonly ChartLimit[];
  readonly marks: readonly ChartMark[];
}) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = useRef('');
  const { series, limits, marks, unit } = props;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const data = align(series, marks);
    const key = JSON.stringify([unit, series.map((s) => [s.label, s.y.length <= 10]), limits]);
    if (plot.current && shape.current === key) {
      plot.current.setData(data);
      return;
    }
    plot.current?.destroy();
    shape.current = key;
    const bounds = limits.map((l) => l.value);
    plot.current = new uPlot(
      {
        width: Math.max(320, el.clientWidth),
        height: 280,
        scales: {
          x: { time: true },
          y: {
            // The limits stay in view even when every reading is well inside them.
            range: (_u, min, max) => {
              const lo = Math.min(min, ...bounds);
              const hi = Math.max(max, ...bounds);
              const pad = (hi - lo) * 0.08 || 1;
              return [lo - pad, hi + pad];
            },
          },
        },
        axes: [{}, { label: unit, size: 56 }],
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: PALETTE[i % PALETTE.length],
            width: 1.5,
            spanGaps: true,
            // A device with a few readings so far (one just published) would otherwise draw nothing.
            points: { show: s.y.length <= 10, size: 6 },
          })),
          {
            label: 'breach',
            stroke: BREACH,
            fill: BREACH,
            paths: () => null,
            points: { show: true, size: 7, stroke: BREACH, fill: BREACH },
          },
        ],
        hooks: { draw: [drawLimits(limits)] },
      },
      data,
      el,
    );
  }, [series, limits, marks, unit]);

  useEffect(() => {
    const resize = (): void => {
      if (plot.current && host.current)
        plot.current.setSize({ width: Math.max(320, host.current.clientWidth), height: 280 });
    };
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  const points = series.reduce((n, s) => n + s.y.length, 0);
  return (
    <div
      class="chart"
      ref={host}
      data-testid="readings-chart"
      data-points={points}
      data-breaches={marks.length}
    />
  );
}

/** A forecast: the point forecast as a line inside its prediction interval, shaded. */
export function ForecastChart(props: {
  readonly x: readonly number[];
  readonly time: boolean;
  readonly point: readonly number[];
  readonly lower: readonly number[];
  readonly upper: readonly number[];
  readonly level: number;
}) {
  const host = useRef<HTMLDivElement>(null);
  const { x, time, point, lower, upper, level } = props;
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const u = new uPlot(
      {
        width: Math.max(320, el.clientWidth),
        height: 260,
        scales: { x: { time } },
        series: [
          {},
          { label: `lower ${Math.round(level * 100)}%`, stroke: '#93c5fd', width: 1 },
          { label: `upper ${Math.round(level * 100)}%`, stroke: '#93c5fd', width: 1 },
          { label: 'forecast', stroke: '#1d4ed8', width: 2 },
        ],
        bands: [{ series: [2, 1], fill: 'rgba(37, 99, 235, 0.15)' }],
      },
      [[...x], [...lower], [...upper], [...point]],
      el,
    );
    return () => u.destroy();
  }, [x, time, point, lower, upper, level]);
  return <div class="chart" ref={host} data-testid="forecast-chart" data-points={point.length} />;
}
