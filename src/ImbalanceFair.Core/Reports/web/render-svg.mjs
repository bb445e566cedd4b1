// Renders the charts of an imbfair report.html to static SVG files (docs that must read without a browser), with
// the same Vega-Lite specs and libraries the page draws with: scripts/report-figures REPORT_HTML OUT_DIR [ID...].
import { readFileSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

const [html, out, ...only] = process.argv.slice(2);
if (!html || !out) {
  console.error('usage: render-svg.mjs REPORT_HTML OUT_DIR [CHART_ID...]');
  process.exit(2);
}

const text = readFileSync(html, 'utf8');
const marker = 'const CHARTS = ';
const start = text.indexOf(marker);
if (start < 0) {
  console.error(`${html}: no "${marker}" line; is it a report.html written by imbfair report?`);
  process.exit(2);
}
// report.html writes the specs as one line of JSON ending in ";\n" (ReportHtml.cs).
const end = text.indexOf(';\n', start);
const charts = JSON.parse(text.slice(start + marker.length, end));
const ids = only.length > 0 ? only : Object.keys(charts);
mkdirSync(out, { recursive: true });
for (const id of ids) {
  if (!(id in charts)) {
    console.error(`${html}: no chart '${id}' (it has ${Object.keys(charts).join(', ')})`);
    process.exit(2);
  }
  const spec = { ...charts[id], background: 'white' };
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const file = join(out, `${id.replace(/^chart-/, '')}.svg`);
  writeFileSync(`${file}.tmp`, svg);
  renameSync(`${file}.tmp`, file);
  console.log(file);
}
