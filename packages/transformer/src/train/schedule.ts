import { ArgumentError } from '@typegrad/tensor';

export interface ScheduleOptions {
  /** Peak learning rate. */
  lr: number;
  warmupSteps?: number;
  totalSteps: number;
  decay?: 'linear' | 'cosine' | 'constant';
  /** Final learning rate as a fraction of the peak. */
  minLrRatio?: number;
}

/** Learning rate at `step` (0-based): linear warmup, then linear or cosine decay to minLrRatio·lr. */
export function learningRateAt(step: number, o: ScheduleOptions): number {
  const warmup = o.warmupSteps ?? 0;
  if (o.totalSteps <= 0)
    throw new ArgumentError(`schedule: totalSteps must be positive, got ${o.totalSteps}`);
  const floor = o.lr * (o.minLrRatio ?? 0);
  if (step < warmup) return (o.lr * (step + 1)) / warmup;
  if (o.decay === 'constant') return o.lr;
  const progress = Math.min(1, (step - warmup) / Math.max(1, o.totalSteps - warmup));
  const factor = o.decay === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * progress)) : 1 - progress;
  return floor + (o.lr - floor) * factor;
}
