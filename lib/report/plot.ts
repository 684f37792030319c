// Charts are vega-lite specs, rendered without a browser or the network: vega-lite compiles the spec
// to vega, vega draws the scene as SVG (headless), resvg rasterizes that SVG to PNG with the system's
// fonts. The output's extension picks the format.
import * as fs from 'fs';
import * as path from 'path';
import { renderAsync } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type Config, type TopLevelSpec } from 'vega-lite';
import { invalid, TorchnasError } from '../errors';
import { writeFileAtomic } from '../util/atomic-file';
import { encodeOpaquePng } from './png-encode';
import { useDejaVuTextWidths } from './text-width';

export type VegaLiteSpec = TopLevelSpec;

export const PLOT_FORMATS = ['svg', 'png'] as const;
export type PlotFormat = (typeof PLOT_FORMATS)[number];

// DejaVu Sans is Debian's default font (fonts-dejavu-core): the SVG asks for it, resvg draws with it,
// and vega lays text out with its widths.
const FONT = 'DejaVu Sans';
// PNGs are drawn at twice the chart's pixel size, to stay sharp on high-density screens.
const PNG_ZOOM = 2;

export const CHART_CONFIG: Config = {
  font: `${FONT}, sans-serif`,
  background: 'white',
  padding: 8,
  title: { fontSize: 14, subtitleFontSize: 11, subtitleColor: '#555', anchor: 'start', offset: 10 },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', labelLimit: 260 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  view: { stroke: '#ccc' },
};

// Charts carry their data inline: a loader that refuses every URL or file, and notes what it refused.
function offlineLoader(refused: string[]): vega.Loader {
  const loader = {
    ...vega.loader(),
    sanitize: (uri: string) => {
      refused.push(uri);
      return Promise.reject(invalid(`charts take inline data only; refusing to load '${uri}'`));
    },
  };
  return loader as unknown as vega.Loader;
}

/** The format an output path asks for, by its extension; anything else is refused before any work. */
export function plotFormat(out: string): PlotFormat {
  const extension = path.extname(out).slice(1).toLowerCase();
  if (!(PLOT_FORMATS as readonly string[]).includes(extension)) {
    throw invalid(
      `plot '${out}': the file name must end in ${PLOT_FORMATS.map((f) => `.${f}`).join(' or ')}`,
    );
  }
  return extension as PlotFormat;
}

export async function chartToSvg(spec: VegaLiteSpec): Promise<string> {
  useDejaVuTextWidths();
  const { spec: compiled } = compile(spec, { config: CHART_CONFIG });
  const refused: string[] = [];
  // vega logs a failed load and draws the chart without that data: a refusal is made an error here.
  const view = new vega.View(vega.parse(compiled), {
    renderer: 'none',
    loader: offlineLoader(refused),
    logLevel: vega.None,
  });
  try {
    const svg = await view.toSVG();
    if (refused.length)
      throw invalid(`charts take inline data only; refusing to load '${refused.join("', '")}'`);
    return svg;
  } finally {
    view.finalize();
  }
}

export async function svgToPng(svg: string): Promise<Buffer> {
  const image = await renderAsync(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: FONT, sansSerifFamily: FONT },
    fitTo: { mode: 'zoom', value: PNG_ZOOM },
    background: 'white', // opaque, as encodeOpaquePng needs
    logLevel: 'off',
  });
  return encodeOpaquePng(image.width, image.height, image.pixels);
}

/** Renders `spec` to `out` (.svg or .png), creating its folder; the file appears whole or not at all. */
export async function renderChart(spec: VegaLiteSpec, out: string): Promise<void> {
  const format = plotFormat(out);
  const svg = await chartToSvg(spec);
  const data = format === 'svg' ? svg : await svgToPng(svg);
  try {
    fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    writeFileAtomic(out, data);
  } catch (error) {
    throw new TorchnasError('E_IO', `cannot write plot '${out}': ${(error as Error).message}`);
  }
}
