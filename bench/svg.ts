// A small SVG writer for the benchmark pictures: line charts over categories and grouped bar
// charts, linear or logarithmic value axis. Output is plain SVG 1.1 text.

/** One line or one bar colour of a chart; values align with the chart's categories (null = none). */
export interface Series {
  name: string;
  color: string;
  values: (number | null)[];
  /** Bars whose value is only a lower bound (a run stopped at its time limit): drawn pale, "> v". */
  atLeast?: boolean[];
}

/** A chart: categories along x, values along y. */
export interface Chart {
  title: string;
  categories: string[];
  series: Series[];
  xLabel?: string;
  yLabel: string;
  /** Logarithmic value axis (values <= 0 are left out). */
  logY?: boolean;
  /** A line of small text under the chart. */
  note?: string;
}

/** Where a chart goes in the document. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Escapes text for XML content and attribute values. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Short number text: 1234 -> "1.2k", 0.5 -> "0.5". */
export function fmt(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e6) return `${trim(n / 1e6)}M`;
  if (a >= 1e3) return `${trim(n / 1e3)}k`;
  return trim(n);
}

function trim(n: number): string {
  return (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toPrecision(2)).replace(
    /\.0+$|(\.\d*?)0+$/,
    '$1',
  );
}

interface Scale {
  y(v: number): number;
  ticks: number[];
}

function valueScale(chart: Chart, top: number, bottom: number): Scale {
  const all = chart.series
    .flatMap((s) => s.values)
    .filter((v): v is number => v !== null && Number.isFinite(v));
  if (chart.logY) {
    const pos = all.filter((v) => v > 0);
    const lo = Math.floor(Math.log10(pos.length ? Math.min(...pos) : 1));
    let hi = Math.ceil(Math.log10(pos.length ? Math.max(...pos) : 10));
    if (hi <= lo) hi = lo + 1;
    const ticks: number[] = [];
    for (let e = lo; e <= hi; e++) ticks.push(10 ** e);
    return { y: (v) => bottom - ((Math.log10(v) - lo) / (hi - lo)) * (bottom - top), ticks };
  }
  const max = all.length ? Math.max(...all) : 1;
  const step = niceStep(max / 5);
  const hi = Math.max(step, Math.ceil(max / step) * step);
  const ticks: number[] = [];
  for (let t = 0; t <= hi + step / 2; t += step) ticks.push(t);
  return { y: (v) => bottom - (v / hi) * (bottom - top), ticks };
}

function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

function frame(chart: Chart, box: Box): { parts: string[]; plot: Box; scale: Scale } {
  const plot = { x: box.x + 62, y: box.y + 56, width: box.width - 80, height: box.height - 120 };
  const bottom = plot.y + plot.height;
  const scale = valueScale(chart, plot.y, bottom);
  const parts: string[] = [];
  parts.push(
    `<text x="${box.x + box.width / 2}" y="${box.y + 18}" text-anchor="middle" font-size="14" font-weight="bold">${esc(chart.title)}</text>`,
  );
  for (const t of scale.ticks) {
    const y = scale.y(t).toFixed(1);
    parts.push(`<line x1="${plot.x}" y1="${y}" x2="${plot.x + plot.width}" y2="${y}" stroke="#ddd"/>`);
    parts.push(
      `<text x="${plot.x - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`,
    );
  }
  parts.push(
    `<line x1="${plot.x}" y1="${bottom}" x2="${plot.x + plot.width}" y2="${bottom}" stroke="#333"/>`,
    `<line x1="${plot.x}" y1="${plot.y}" x2="${plot.x}" y2="${bottom}" stroke="#333"/>`,
    `<text transform="translate(${box.x + 14} ${plot.y + plot.height / 2}) rotate(-90)" text-anchor="middle">${esc(chart.yLabel)}${chart.logY ? ' (log)' : ''}</text>`,
  );
  if (chart.xLabel) {
    parts.push(
      `<text x="${plot.x + plot.width / 2}" y="${bottom + 36}" text-anchor="middle">${esc(chart.xLabel)}</text>`,
    );
  }
  // Legend in one row under the title, so it never covers data.
  let lx = plot.x;
  for (const s of chart.series) {
    parts.push(
      `<rect x="${lx}" y="${box.y + 27}" width="12" height="10" fill="${s.color}"/>`,
      `<text x="${lx + 16}" y="${box.y + 36}">${esc(s.name)}</text>`,
    );
    lx += 28 + s.name.length * 7;
  }
  if (chart.note) {
    parts.push(
      `<text x="${box.x + 8}" y="${box.y + box.height - 8}" font-size="10" fill="#555">${esc(chart.note)}</text>`,
    );
  }
  return { parts, plot, scale };
}

/** A line chart: one polyline per series over evenly spaced categories, points marked and labelled. */
export function lineChart(chart: Chart, box: Box): string {
  const { parts, plot, scale } = frame(chart, box);
  const bottom = plot.y + plot.height;
  const n = chart.categories.length;
  const xOf = (i: number) => plot.x + (n === 1 ? plot.width / 2 : 20 + (i * (plot.width - 40)) / (n - 1));
  chart.categories.forEach((c, i) => {
    parts.push(`<text x="${xOf(i).toFixed(1)}" y="${bottom + 16}" text-anchor="middle">${esc(c)}</text>`);
  });
  for (const s of chart.series) {
    const pts: [number, number, number][] = [];
    s.values.forEach((v, i) => {
      if (v !== null && Number.isFinite(v) && (!chart.logY || v > 0)) pts.push([xOf(i), scale.y(v), v]);
    });
    if (pts.length > 1) {
      parts.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>`,
      );
    }
    for (const [x, y, v] of pts) {
      parts.push(
        `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3.5" fill="${s.color}"/>`,
        `<text x="${(x + 6).toFixed(1)}" y="${(y - 6).toFixed(1)}" font-size="10" fill="${s.color}">${fmt(v)}</text>`,
      );
    }
  }
  return `<g>${parts.join('')}</g>`;
}

/** A grouped bar chart: one group per category, one bar per series, value written on each bar. */
export function barChart(chart: Chart, box: Box): string {
  const { parts, plot, scale } = frame(chart, box);
  const bottom = plot.y + plot.height;
  const groups = chart.categories.length;
  const groupWidth = plot.width / Math.max(1, groups);
  const barWidth = Math.min(48, (groupWidth * 0.7) / Math.max(1, chart.series.length));
  chart.categories.forEach((c, g) => {
    const gx = plot.x + g * groupWidth + groupWidth / 2;
    parts.push(`<text x="${gx.toFixed(1)}" y="${bottom + 16}" text-anchor="middle">${esc(c)}</text>`);
    chart.series.forEach((s, i) => {
      const v = s.values[g];
      const x = gx - (chart.series.length * barWidth) / 2 + i * barWidth;
      if (v === null || v === undefined || !Number.isFinite(v) || (chart.logY && v <= 0)) {
        parts.push(
          `<text x="${(x + barWidth / 2).toFixed(1)}" y="${bottom - 4}" text-anchor="middle" font-size="10" fill="${s.color}">n/a</text>`,
        );
        return;
      }
      const base = chart.logY ? bottom : scale.y(0);
      const y = Math.min(scale.y(v), base - 1);
      const bound = s.atLeast?.[g] === true;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${(base - y).toFixed(1)}" fill="${s.color}"${bound ? ' fill-opacity="0.35"' : ''}/>`,
        `<text x="${(x + barWidth / 2).toFixed(1)}" y="${(y - 3).toFixed(1)}" text-anchor="middle" font-size="10">${bound ? '&gt; ' : ''}${fmt(v)}</text>`,
      );
    });
  });
  return `<g>${parts.join('')}</g>`;
}

/** Wraps chart fragments in an SVG document with a white background. */
export function svgDocument(width: number, height: number, body: string[], title?: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    title ? `<title>${esc(title)}</title>` : '',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
