/**
 * A Module of your own: a two-layer MLP fitted to y = sin(3x) with AdamW; the loss printed falls.
 * Run: node --import tsx/esm examples/03-fit-mlp.ts (after pnpm build). The tour: docs/tour.md, part 3.
 */
import * as A from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import { AdamW, Linear, Module } from '@typegrad/transformer';

/** x → Linear → tanh → Linear. Registered children give the parameters stable dotted names. */
class MLP extends Module {
  readonly hidden: Linear;
  readonly out: Linear;

  constructor(width: number, generator: T.Generator) {
    super();
    this.hidden = this.registerModule('hidden', new Linear(1, width, { generator }));
    this.out = this.registerModule('out', new Linear(width, 1, { generator }));
  }

  forward(x: A.Tensor): A.Tensor {
    return this.out.forward(A.tanh(this.hidden.forward(x)));
  }
}

const model = new MLP(32, new T.Generator(0));
console.log(
  `parameters: ${[...model.namedParameters()].map(([name, p]) => `${name} [${p.shape}]`).join(', ')}`,
);

// 64 points of y = sin(3x) on [-1, 1], as [64, 1] columns.
const xs = T.linspace(-1, 1, 64).reshape([64, 1]);
const ys = T.sin(T.mul(xs, 3));
const inputs = new A.Tensor(xs);
const targets = new A.Tensor(ys);

const optimizer = new AdamW(model.parameters(), { lr: 0.02, weightDecay: 0 });
const losses: number[] = [];
for (let step = 0; step <= 300; step++) {
  // tidy frees the step's intermediate arrays; the optimizer keeps the new parameter values.
  const loss = T.tidy(() => {
    const error = A.sub(model.forward(inputs), targets);
    const mse = A.mean(A.square(error));
    optimizer.zeroGrad();
    mse.backward();
    optimizer.step();
    return mse.item();
  });
  losses.push(loss);
  if (step % 50 === 0) console.log(`step ${String(step).padStart(3)}  mse ${loss.toFixed(5)}`);
}

const [first, last] = [losses[0], losses[losses.length - 1]];
if (!(last < first / 10))
  throw new Error(`03-fit-mlp: expected the loss to fall tenfold, ${first} -> ${last}`);
console.log(`loss fell from ${first.toFixed(4)} to ${last.toFixed(4)}`);
