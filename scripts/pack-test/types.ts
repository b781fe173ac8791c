/**
 * Type-checked (not run) in the scratch project against the packed tarballs: the `.d.ts` files
 * ship, the `exports` map resolves every entry point under NodeNext, and the public types compose.
 */
import { type Tensor, tensor } from '@typegrad/autograd';
import { applyLora, LoRALinear, type LoraConfig } from '@typegrad/lora';
import { saveAdapter } from '@typegrad/lora/node';
import { type DType, type NDArray, zeros } from '@typegrad/tensor';
import { loadSafetensors } from '@typegrad/tensor/node';
import { GPT, type GPTConfig } from '@typegrad/transformer';
import { loadGPT2 } from '@typegrad/transformer/node';

const config: GPTConfig = { vocab_size: 256, n_positions: 16, n_embd: 16, n_layer: 1, n_head: 2 };
const model: GPT = new GPT(config);
const lora: LoraConfig = { r: 2, alpha: 4, targetModules: ['q', 'v'] };
const adapted: Map<string, unknown> = applyLora(model, lora);
const dtype: DType = 'float32';
const x: NDArray = zeros([2, 2], { dtype });
const t: Tensor = tensor(x, { requiresGrad: true });
const isLayer = (m: unknown): m is LoRALinear => m instanceof LoRALinear;
export const used = [adapted, t, isLayer, saveAdapter, loadSafetensors, loadGPT2];
