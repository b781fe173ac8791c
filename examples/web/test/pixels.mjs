/**
 * Pixel checks run inside the page (the browser decodes PNG itself, so the test needs no image
 * library): how many pixels of the loss plot have a line's colour, and whether a screenshot
 * shows more than a blank page.
 */

/**
 * Counts pixels of the canvas `selector` within `tolerance` of each RGB colour.
 * @param {import('playwright-core').Page} page
 * @param {string} selector
 * @param {Record<string, [number, number, number]>} colours
 * @returns {Promise<Record<string, number>>}
 */
export function countCanvasColours(page, selector, colours, tolerance = 40) {
  return page.evaluate(
    ({ selector, colours, tolerance }) => {
      const canvas = document.querySelector(selector);
      if (!(canvas instanceof HTMLCanvasElement)) throw new Error(`no canvas ${selector}`);
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      const counts = Object.fromEntries(Object.keys(colours).map((name) => [name, 0]));
      for (let i = 0; i < data.length; i += 4) {
        for (const [name, [r, g, b]] of Object.entries(colours)) {
          const distance = Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b);
          if (distance <= tolerance) counts[name]++;
        }
      }
      return counts;
    },
    { selector, colours, tolerance },
  );
}

/**
 * Decodes a PNG in the page and measures it: size, the share of pixels that differ from the
 * most common colour (the background), and how many distinct colours it has.
 * @param {import('playwright-core').Page} page
 * @param {Buffer} png
 * @returns {Promise<{ width: number, height: number, nonBackgroundShare: number, colours: number }>}
 */
export function measurePng(page, png) {
  return page.evaluate(async (base64) => {
    const blob = await (await fetch(`data:image/png;base64,${base64}`)).blob();
    const bitmap = await createImageBitmap(blob);
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d');
    context.drawImage(bitmap, 0, 0);
    const { data } = context.getImageData(0, 0, bitmap.width, bitmap.height);
    const histogram = new Map();
    for (let i = 0; i < data.length; i += 4) {
      const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
      histogram.set(key, (histogram.get(key) ?? 0) + 1);
    }
    const background = Math.max(...histogram.values());
    const pixels = bitmap.width * bitmap.height;
    return {
      width: bitmap.width,
      height: bitmap.height,
      nonBackgroundShare: (pixels - background) / pixels,
      colours: histogram.size,
    };
  }, png.toString('base64'));
}
