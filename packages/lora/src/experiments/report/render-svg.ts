/**
 * Vega-Lite → SVG in Node, headless and synchronous, with no canvas or other native module.
 *
 * Vega's public `view.toSVG()` is asynchronous only because a scene may have to load images;
 * ours never do, and `writeReport` must stay synchronous for the orchestrator. So the dataflow is
 * run with `view.run()` (synchronous for inline data) and the scene is handed to Vega's own
 * headless SVG string renderer, sized exactly as `toSVG` sizes it. The report tests check that both
 * paths give the same SVG text, so a Vega upgrade that changes this cannot pass unnoticed.
 */
import { ArgumentError } from '@typegrad/tensor';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** The parts of Vega's headless SVG renderer used here (vega-typings does not declare it). */
interface SvgStringRenderer {
  initialize(el: null, width: number, height: number, origin: readonly number[], scaleFactor: number): this;
  background(color: unknown): this;
  render(scene: unknown): this;
  svg(): string | null;
}
type SvgStringRendererClass = new (loader: unknown) => SvgStringRenderer;

/** The size Vega computed for the view after layout (what `toSVG` reads too). */
interface ViewLayout {
  _viewWidth: number;
  _viewHeight: number;
}

/** A headless View of a Vega-Lite spec; call `finalize()` when done. */
export function headlessView(spec: TopLevelSpec): vega.View {
  return new vega.View(vega.parse(compile(spec).spec), { renderer: 'none', logLevel: vega.Warn });
}

/**
 * Renders a Vega-Lite spec to SVG text synchronously. Gradient and clip ids restart for every
 * figure (each is its own file), so the same results give byte-identical SVG.
 */
export function renderSvg(spec: TopLevelSpec): string {
  vega.resetSVGDefIds();
  const view = headlessView(spec);
  try {
    view.run();
    const Renderer = (vega as unknown as { SVGStringRenderer?: SvgStringRendererClass }).SVGStringRenderer;
    const layout = view as unknown as ViewLayout;
    if (!Renderer || !Number.isFinite(layout._viewWidth) || !Number.isFinite(layout._viewHeight)) {
      throw new ArgumentError(
        'renderSvg: this Vega version lacks the headless SVG renderer or view layout it needs',
      );
    }
    const padding = view.padding() as { left: number; right: number; top: number; bottom: number };
    const origin = view.origin();
    const width = Math.max(0, layout._viewWidth + padding.left + padding.right);
    const height = Math.max(0, layout._viewHeight + padding.top + padding.bottom);
    const svg = new Renderer(view.loader())
      .initialize(null, width, height, [padding.left + origin[0], padding.top + origin[1]], 1)
      .background(view.background())
      .render((view.scenegraph() as unknown as { root: unknown }).root)
      .svg();
    if (!svg) throw new ArgumentError('renderSvg: Vega rendered no SVG');
    return svg;
  } finally {
    view.finalize();
  }
}
