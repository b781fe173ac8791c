/**
 * A small hand-drawn line chart of loss per step on a <canvas>: one line per phase, on a shared
 * step axis (fine-tuning continues where pretraining stopped), a y axis from 0 with a few ticks.
 */

export interface LossSeries {
  label: string;
  color: string;
  values: readonly number[];
}

const MARGIN = { left: 44, right: 12, top: 24, bottom: 28 };

/** Redraws the whole plot; cheap at a few hundred points, so it runs after every step. */
export function drawLossPlot(
  canvas: HTMLCanvasElement,
  series: readonly LossSeries[],
  totalSteps: number,
): void {
  const context = canvas.getContext('2d');
  if (!context) throw new Error('drawLossPlot: the canvas has no 2d context');
  const { width, height } = canvas;
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  const highest = Math.max(1, ...series.flatMap((s) => s.values));
  const top = niceCeiling(highest);
  const x = (step: number) => MARGIN.left + (step / Math.max(1, totalSteps - 1)) * plotWidth;
  const y = (loss: number) => MARGIN.top + (1 - loss / top) * plotHeight;

  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, width, height);
  context.font = '12px system-ui, sans-serif';
  context.lineWidth = 1;
  for (let tick = 0; tick <= 4; tick++) {
    const value = (top * tick) / 4;
    context.strokeStyle = '#e5e5e5';
    context.beginPath();
    context.moveTo(MARGIN.left, y(value));
    context.lineTo(width - MARGIN.right, y(value));
    context.stroke();
    context.fillStyle = '#555555';
    context.textAlign = 'right';
    context.fillText(value.toFixed(1), MARGIN.left - 6, y(value) + 4);
  }
  context.textAlign = 'center';
  context.fillText(`step (of ${totalSteps})`, MARGIN.left + plotWidth / 2, height - 8);

  let offset = 0;
  let legendX = MARGIN.left;
  context.lineWidth = 2;
  for (const { label, color, values } of series) {
    context.strokeStyle = color;
    context.beginPath();
    values.forEach((loss, i) => {
      if (i === 0) context.moveTo(x(offset + i), y(loss));
      else context.lineTo(x(offset + i), y(loss));
    });
    context.stroke();
    offset += values.length;
    context.fillStyle = color;
    context.textAlign = 'left';
    context.fillRect(legendX, 8, 14, 4);
    const latest = values.length ? ` ${values[values.length - 1].toFixed(3)}` : '';
    const text = `${label}${latest}`;
    context.fillText(text, legendX + 18, 14);
    legendX += 18 + context.measureText(text).width + 16;
  }
}

/** The smallest of a few round numbers times a power of ten at or above `value` (5.5 -> 6). */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const factor of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10])
    if (factor * power >= value) return factor * power;
  return 10 * power;
}
