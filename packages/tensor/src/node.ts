/**
 * @typegrad/tensor/node: the Node-only part of the package (file I/O with node:fs).
 * Browser code imports '@typegrad/tensor', which has the in-memory safetensors functions.
 */
export {
  loadSafetensors,
  openSafetensors,
  type SafetensorsFile,
  saveSafetensors,
} from './io/node.js';
