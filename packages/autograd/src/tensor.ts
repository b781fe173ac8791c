import type {
  CrossEntropyOptions,
  DType,
  NDArray,
  NestedArray,
  SliceSpec,
  TypedArray,
} from '@typegrad/tensor';
import * as T from '@typegrad/tensor';
import { type BackwardOptions, backward } from './backward.js';
import type { Node } from './node.js';
import * as E from './ops/elementwise.js';
import { matmul } from './ops/matmul.js';
import * as N from './ops/nn.js';
import * as R from './ops/reduce.js';
import * as S from './ops/shape.js';

type Operand = Tensor | number;
type Axes = number | readonly number[];

/**
 * A differentiable array: an NDArray value, whether it wants a gradient, the gradient after
 * `backward()`, and (for results of ops) the Node that made it. Leaves are Tensors you create;
 * every op result that depends on a leaf with `requiresGrad` is tracked.
 */
export class Tensor {
  /** The current value. Optimizers replace it in place of parameters (see `assign`). */
  value: NDArray;
  /** Gradient accumulated by `backward()` (leaves only). */
  grad: Tensor | null = null;
  readonly node: Node | null;
  /** The op that computed this value when no graph was recorded (errors name it). */
  private producedBy?: string;
  private leafRequiresGrad: boolean;
  /** Optional label used in error messages and parameter tables. */
  name?: string;

  constructor(value: NDArray, options: { requiresGrad?: boolean; name?: string } = {}) {
    this.value = value;
    this.node = null;
    this.leafRequiresGrad = false;
    this.name = options.name;
    if (options.requiresGrad) this.requiresGrad = true;
  }

  /** A tensor that never requires grad. */
  static constant(value: NDArray): Tensor {
    return new Tensor(value);
  }

  /** Result of an op (used by `record`); `op` names the op when no node was recorded. */
  static fromNode(value: NDArray, node: Node | null, op?: string): Tensor {
    const t = new Tensor(value);
    (t as { node: Node | null }).node = node;
    t.producedBy = node ? undefined : op;
    return t;
  }

  get requiresGrad(): boolean {
    return this.node !== null || this.leafRequiresGrad;
  }

  set requiresGrad(on: boolean) {
    if (this.node)
      throw new T.ArgumentError(
        `requiresGrad: only leaves can change it; this tensor ${this.describe()} is the output of '${this.node.op}'`,
      );
    if (on && !T.isFloat(this.dtype))
      throw new T.DTypeError(
        `requiresGrad: only float tensors can require grad, this one is ${this.describe()}`,
      );
    this.leafRequiresGrad = on;
  }

  /** True for tensors not made by a tracked op. */
  get isLeaf(): boolean {
    return this.node === null;
  }

  get shape(): readonly number[] {
    return this.value.shape;
  }
  get dtype(): DType {
    return this.value.dtype;
  }
  get size(): number {
    return this.value.size;
  }
  get rank(): number {
    return this.value.rank;
  }

  /** "[2, 3] float32", plus the name or producing op when known. */
  describe(): string {
    const op = this.node?.op ?? this.producedBy;
    const origin = this.name ? ` '${this.name}'` : op ? ` from '${op}'` : '';
    return `[${this.shape.join(', ')}] ${this.dtype}${origin}`;
  }

  /** Accumulates d(this)/d(leaf) into every leaf's `.grad`. Needs a gradient argument unless scalar. */
  backward(gradient?: Tensor | NDArray | number, options: BackwardOptions = {}): void {
    backward(this, gradient, options);
  }

  /** The same value, cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.value);
  }

  zeroGrad(): void {
    this.grad?.value.dispose();
    this.grad = null;
  }

  /** Replaces the value of a leaf (optimizer steps); the new value survives `tidy` scopes. */
  assign(value: NDArray): void {
    if (this.node)
      throw new T.ArgumentError(`assign: only leaves can be assigned, ${this.describe()} is an op output`);
    if (value.shape.length !== this.shape.length || value.shape.some((d, i) => d !== this.shape[i])) {
      throw new T.ShapeError(
        `assign: new value [${value.shape.join(', ')}] does not match ${this.describe()}`,
      );
    }
    if (value === this.value) return;
    const old = this.value;
    this.value = T.keep(value);
    old.dispose();
  }

  dispose(): void {
    this.value.dispose();
    this.grad?.value.dispose();
  }

  item(): number {
    return this.value.item();
  }
  dataSync(): TypedArray {
    return this.value.dataSync();
  }
  data(): Promise<TypedArray> {
    return this.value.data();
  }
  toArray(): NestedArray {
    return this.value.toArray();
  }
  toString(): string {
    return `Tensor(${this.describe()})`;
  }

  // ---- ops as methods (each is the function of the same name in ops/) ----
  add(o: Operand) {
    return E.add(this, o);
  }
  sub(o: Operand) {
    return E.sub(this, o);
  }
  mul(o: Operand) {
    return E.mul(this, o);
  }
  div(o: Operand) {
    return E.div(this, o);
  }
  pow(o: Operand) {
    return E.pow(this, o);
  }
  maximum(o: Operand) {
    return E.maximum(this, o);
  }
  minimum(o: Operand) {
    return E.minimum(this, o);
  }
  neg() {
    return E.neg(this);
  }
  exp() {
    return E.exp(this);
  }
  log() {
    return E.log(this);
  }
  sqrt() {
    return E.sqrt(this);
  }
  tanh() {
    return E.tanh(this);
  }
  relu() {
    return E.relu(this);
  }
  sigmoid() {
    return E.sigmoid(this);
  }
  square() {
    return E.square(this);
  }
  abs() {
    return E.abs(this);
  }
  matmul(o: Tensor) {
    return matmul(this, o);
  }
  sum(axes?: Axes, options?: R.ReduceOptions) {
    return R.sum(this, axes, options);
  }
  mean(axes?: Axes, options?: R.ReduceOptions) {
    return R.mean(this, axes, options);
  }
  max(axes?: Axes, options?: R.ReduceOptions) {
    return R.max(this, axes, options);
  }
  min(axes?: Axes, options?: R.ReduceOptions) {
    return R.min(this, axes, options);
  }
  argmax(axis?: number, options?: R.ReduceOptions) {
    return R.argmax(this, axis, options);
  }
  reshape(shape: readonly number[]) {
    return S.reshape(this, shape);
  }
  permute(axes: readonly number[]) {
    return S.permute(this, axes);
  }
  transpose(a = -2, b = -1) {
    return S.transpose(this, a, b);
  }
  get T(): Tensor {
    return S.transpose(this);
  }
  slice(...specs: SliceSpec[]) {
    return S.slice(this, ...specs);
  }
  expand(shape: readonly number[]) {
    return S.expand(this, shape);
  }
  squeeze(axes?: Axes) {
    return S.squeeze(this, axes);
  }
  unsqueeze(axis: number) {
    return S.unsqueeze(this, axis);
  }
  flatten(start = 0, end = -1) {
    return S.flatten(this, start, end);
  }
  softmax(axis = -1) {
    return N.softmax(this, axis);
  }
  logSoftmax(axis = -1) {
    return N.logSoftmax(this, axis);
  }
  crossEntropy(targets: Tensor | NDArray, options?: CrossEntropyOptions) {
    return N.crossEntropy(this, targets, options);
  }
}
