/** Node-only parts of @typegrad/transformer (file system): import from '@typegrad/transformer/node'. */
export { loadGpt2Tokenizer } from './tokenizers/node.js';
export { readTextCorpus } from './data/node.js';
