/** Node-only parts of @typegrad/lora (file system): import from '@typegrad/lora/node'. */
export { loadE2E, writeSyntheticE2E } from './experiments/e2e/node.js';
export { type ReproduceOptions, reproduce } from './experiments/reproduce.js';
export { loadAdapter, saveAdapter } from './io/peft-node.js';
