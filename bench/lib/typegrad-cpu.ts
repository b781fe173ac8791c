/**
 * Access to typegrad's cpu backend settings (`setCpuOptions({threads, fast})`). Looked up at
 * run time rather than imported by name, so the benchmarks still build and run against a
 * @typegrad/tensor that does not export them yet; rows that need them are then left out and
 * the report says why.
 */
import * as typegrad from '@typegrad/tensor';

export interface TypegradCpuOptions {
  /** false runs only the plain-TypeScript reference kernels. */
  fast: boolean;
  /** Threads large kernels may split across. */
  threads: number;
}

interface CpuOptionsApi {
  setCpuOptions?: (changes: Partial<TypegradCpuOptions>) => void;
  getCpuOptions?: () => Readonly<TypegradCpuOptions>;
}

const api = typegrad as unknown as CpuOptionsApi;

/** Whether @typegrad/tensor exports setCpuOptions/getCpuOptions. */
export const cpuOptionsAvailable =
  typeof api.setCpuOptions === 'function' && typeof api.getCpuOptions === 'function';

/** Applies `options` to typegrad's cpu backend; throws if the package cannot be configured. */
export function setTypegradCpuOptions(options: TypegradCpuOptions): void {
  if (!api.setCpuOptions) {
    throw new Error('bench: @typegrad/tensor does not export setCpuOptions; cannot set threads/fast');
  }
  api.setCpuOptions(options);
}

/** The current settings, or null where the package does not export them. */
export function getTypegradCpuOptions(): Readonly<TypegradCpuOptions> | null {
  return api.getCpuOptions ? { ...api.getCpuOptions() } : null;
}
