import { beamSearch } from '../generate/beam.js';
import { generate } from '../generate/generate.js';
import { loadGpt2Tokenizer } from '../tokenizers/node.js';
import { loadRun } from '../train/load-run.js';

export interface GenerateFlags {
  run: string;
  bpeDir?: string;
  prompt: string;
  maxNewTokens: number;
  temperature: number;
  topK?: number;
  topP?: number;
  beams?: number;
  seed: number;
}

export async function runGenerate(flags: GenerateFlags): Promise<void> {
  const { model, tokenizer } = await loadRun(flags.run, {
    loadGpt2: flags.bpeDir ? () => loadGpt2Tokenizer(flags.bpeDir!) : undefined,
  });
  const prompt = tokenizer.encode(flags.prompt);
  const room = model.config.n_positions - prompt.length;
  const tokens = flags.beams
    ? beamSearch(model, prompt, { numBeams: flags.beams, maxNewTokens: Math.min(flags.maxNewTokens, room) })
    : generate(model, prompt, {
        maxNewTokens: flags.maxNewTokens,
        temperature: flags.temperature,
        topK: flags.topK,
        topP: flags.topP,
        seed: flags.seed,
      });
  process.stdout.write(`${flags.prompt}${tokenizer.decode(tokens)}\n`);
}
