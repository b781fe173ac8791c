import type * as Autograd from './index.js';

/** Name of a function exported by this package. */
type ExportName = keyof typeof Autograd;

/**
 * Every exported op that has a backward rule (a derivative, possibly zero almost everywhere).
 * The test suite holds a gradient property for each name here and fails when one is missing.
 */
export const DIFFERENTIABLE_OPS = [
  // elementwise unary
  'neg',
  'exp',
  'log',
  'sqrt',
  'rsqrt',
  'tanh',
  'erf',
  'abs',
  'sign',
  'reciprocal',
  'sin',
  'cos',
  'relu',
  'sigmoid',
  'floor',
  'ceil',
  'round',
  'square',
  'log1p',
  'expm1',
  // elementwise binary, selection, conversion
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'minimum',
  'where',
  'cast',
  // reductions
  'sum',
  'mean',
  'max',
  'min',
  // linear algebra
  'matmul',
  // views and index ops
  'reshape',
  'permute',
  'transpose',
  'expand',
  'squeeze',
  'unsqueeze',
  'flatten',
  'contiguous',
  'slice',
  'gather',
  'scatterAdd',
  'concat',
  'stack',
  'split',
  'sumToShape',
  // composites
  'softmax',
  'logSoftmax',
  'logsumexp',
  'layerNorm',
  'gelu',
  'crossEntropy',
  'dropout',
  'variance',
  'clip',
] as const satisfies readonly ExportName[];

export type DifferentiableOp = (typeof DIFFERENTIABLE_OPS)[number];

/** Exported ops whose results never carry a gradient (bool, int32 or constant outputs). */
export const NON_DIFFERENTIABLE_OPS = [
  'equal',
  'notEqual',
  'less',
  'lessEqual',
  'greater',
  'greaterEqual',
  'logicalAnd',
  'logicalOr',
  'logicalNot',
  'argmax',
  'argmin',
  'zerosLike',
] as const satisfies readonly ExportName[];
