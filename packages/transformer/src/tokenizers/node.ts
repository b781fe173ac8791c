import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArgumentError } from '@typegrad/tensor';
import { Gpt2Tokenizer, parseEncoderJson, parseVocabBpe } from './gpt2-bpe.js';

/** Node only: reads `dir/encoder.json` and `dir/vocab.bpe` (the files beside a GPT-2 checkpoint). */
export function loadGpt2Tokenizer(dir: string): Gpt2Tokenizer {
  const encoderPath = join(dir, 'encoder.json');
  const vocabPath = join(dir, 'vocab.bpe');
  const encoder = withPath(encoderPath, () => parseEncoderJson(readText(encoderPath)));
  const merges = withPath(vocabPath, () => parseVocabBpe(readText(vocabPath)));
  // Cross-file problems (a merge naming a token encoder.json lacks) name both files.
  return withPath(`${encoderPath} + ${vocabPath}`, () => new Gpt2Tokenizer(encoder, merges));
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new ArgumentError(`loadGpt2Tokenizer: cannot read ${path}: ${reason}`);
  }
}

function withPath<T>(path: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof ArgumentError && !error.message.startsWith('loadGpt2Tokenizer')) {
      throw new ArgumentError(`loadGpt2Tokenizer: ${path}: ${error.message}`);
    }
    throw error;
  }
}
