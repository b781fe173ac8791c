import type { BinaryOp, UnaryOp } from '../../backend.js';

/*
 * One scalar function per op, as gpu.js kernel statements that end in `return`. They follow
 * the cpu reference (backends/cpu/elementwise.ts), including NaN and signed-zero behaviour,
 * and avoid builtins whose special cases differ between backends (WGSL's sign, max, pow and
 * tanh do not propagate NaN as JavaScript does). `0 / (v - v)` makes a NaN at run time.
 * Finiteness is tested with `finiteTest` below, not `v - v === 0`: Mesa's shader compiler
 * folds `v - v` to 0 even for infinities.
 */

/** True for finite `v` (false for ±Infinity and NaN), as kernel source. */
export const finiteTest = (v: string) => `Math.abs(${v}) <= 3.4028234663852886e38`;

/** Statements computing op(v) into a `return`; `v` names the operand. */
export const UNARY_SOURCE: Record<UnaryOp, (v: string) => string> = {
  neg: (v) => `return -${v};`,
  exp: (v) => `return Math.exp(${v});`,
  log: (v) => `if (${v} < 0) { return 0 / (${v} - ${v}); } return Math.log(${v});`,
  sqrt: (v) => `if (${v} < 0) { return 0 / (${v} - ${v}); } return Math.sqrt(${v});`,
  rsqrt: (v) => `if (${v} < 0) { return 0 / (${v} - ${v}); } return 1 / Math.sqrt(${v});`,
  tanh: (v) =>
    `if (${v} !== ${v}) { return ${v}; } if (${v} > 15) { return 1; } if (${v} < -15) { return -1; } return Math.tanh(${v});`,
  erf: erfSource,
  abs: (v) => `return Math.abs(${v});`,
  sign: (v) => `if (${v} > 0) { return 1; } if (${v} < 0) { return -1; } return ${v};`,
  reciprocal: (v) => `return 1 / ${v};`,
  sin: (v) => `return Math.sin(${v});`,
  cos: (v) => `return Math.cos(${v});`,
  relu: (v) => `if (${v} > 0) { return ${v}; } if (${v} !== ${v}) { return ${v}; } return 0;`,
  sigmoid: (v) =>
    `if (${v} >= 0) { return 1 / (1 + Math.exp(-${v})); } return Math.exp(${v}) / (1 + Math.exp(${v}));`,
  floor: (v) => `return Math.floor(${v});`,
  ceil: (v) => `return Math.ceil(${v});`,
  // half away from zero; the fraction av - floor(av) is exact, unlike floor(av + 0.5)
  round: (v) =>
    `const av = Math.abs(${v}); const fl = Math.floor(av); let r = fl; if (av - fl >= 0.5) { r = fl + 1; } if (${v} < 0) { return -r; } if (${v} > 0) { return r; } return ${v};`,
  square: (v) => `return ${v} * ${v};`,
  // series near 0: the formulas log(1 + v) and exp(v) - 1 lose all relative precision there
  log1p: (v) =>
    `if (${v} < -1) { return 0 / (${v} - ${v}); } if (Math.abs(${v}) < 0.1) { return ${series(v, [1, -1 / 2, 1 / 3, -1 / 4, 1 / 5, -1 / 6, 1 / 7, -1 / 8, 1 / 9])}; } return Math.log(1 + ${v});`,
  expm1: (v) =>
    `if (Math.abs(${v}) < 0.1) { return ${series(v, [1, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040, 1 / 40320])}; } return Math.exp(${v}) - 1;`,
  logicalNot: (v) => `if (${v} === 0) { return 1; } return 0;`,
};

/** Horner form of Σ c[k]·v^(k+1). */
function series(v: string, coefficients: readonly number[]): string {
  let acc = literal(coefficients[coefficients.length - 1]);
  for (let k = coefficients.length - 2; k >= 0; k--) acc = `(${literal(coefficients[k])} + ${v} * ${acc})`;
  return `${v} * ${acc}`;
}

/** A number as kernel source (always with a decimal point, so gpu.js types it as a float). */
export function literal(x: number): string {
  const s = String(x);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/**
 * erf in float32: Taylor series below 0.5 (relative accuracy near 0), Abramowitz-Stegun 7.1.26
 * above (absolute error 1.5e-7).
 */
function erfSource(v: string): string {
  const c = 2 / Math.sqrt(Math.PI);
  const taylor = [1, -1 / 3, 1 / 10, -1 / 42, 1 / 216, -1 / 1320, 1 / 9360].map((k) => k * c);
  const x2 = `${v} * ${v}`;
  let poly = literal(taylor[taylor.length - 1]);
  for (let k = taylor.length - 2; k >= 0; k--) poly = `(${literal(taylor[k])} + ${x2} * ${poly})`;
  return [
    `if (${v} !== ${v}) { return ${v}; }`,
    `const ax = Math.abs(${v});`,
    `if (ax < 0.5) { return ${v} * ${poly}; }`,
    `if (ax > 6) { if (${v} < 0) { return -1; } return 1; }`,
    'const t = 1 / (1 + 0.3275911 * ax);',
    'const y = 1 - (((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t) * Math.exp(-ax * ax);',
    `if (${v} < 0) { return -y; }`,
    'return y;',
  ].join(' ');
}

/** Statements computing op(a, b) into a `return`. */
export const BINARY_SOURCE: Record<BinaryOp, (a: string, b: string) => string> = {
  add: (a, b) => `return ${a} + ${b};`,
  sub: (a, b) => `return ${a} - ${b};`,
  mul: (a, b) => `return ${a} * ${b};`,
  div: (a, b) => `return ${a} / ${b};`,
  pow: powSource,
  maximum: (a, b) => `if (${a} >= ${b} || ${a} !== ${a}) { return ${a}; } return ${b};`,
  minimum: (a, b) => `if (${a} <= ${b} || ${a} !== ${a}) { return ${a}; } return ${b};`,
  equal: (a, b) => `if (${a} === ${b}) { return 1; } return 0;`,
  notEqual: (a, b) => `if (${a} !== ${b}) { return 1; } return 0;`,
  less: (a, b) => `if (${a} < ${b}) { return 1; } return 0;`,
  lessEqual: (a, b) => `if (${a} <= ${b}) { return 1; } return 0;`,
  greater: (a, b) => `if (${a} > ${b}) { return 1; } return 0;`,
  greaterEqual: (a, b) => `if (${a} >= ${b}) { return 1; } return 0;`,
  logicalAnd: (a, b) => `if (${a} !== 0 && ${b} !== 0) { return 1; } return 0;`,
  logicalOr: (a, b) => `if (${a} !== 0 || ${b} !== 0) { return 1; } return 0;`,
};

/** Math.pow's cases: x^0 = 1 (even for NaN), odd integer powers of negatives, NaN for other negatives. */
function powSource(a: string, b: string): string {
  return [
    `if (${b} === 0) { return 1; }`,
    `if (${a} !== ${a} || ${b} !== ${b}) { return ${a} + ${b}; }`,
    `if (${a} === 1) { return 1; }`,
    // 0^negative is ±Infinity; WGSL's pow (exp2(b·log2 a)) makes it 0
    `if (${a} === 0 && ${b} < 0) { if (${b} - 2 * Math.floor(${b} / 2) === 1) { return 1 / ${a}; } return 1 / Math.abs(${a}); }`,
    `const p = Math.pow(Math.abs(${a}), ${b});`,
    `if (${a} >= 0) { return p; }`,
    `if (Math.floor(${b}) !== ${b}) { return 0 / (${b} - ${b}); }`,
    `if (${b} - 2 * Math.floor(${b} / 2) === 1) { return -p; }`,
    'return p;',
  ].join(' ');
}
