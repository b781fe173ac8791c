import { readdirSync, readFileSync, type Stats, statSync } from 'node:fs';
import { join } from 'node:path';
import { ArgumentError } from '@typegrad/tensor';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Node only: the text of a file, or of every `.txt` file directly inside a directory (sorted by
 * name, each separated from the next by a newline if it lacks one). Errors name the path and the
 * problem: missing, unreadable, not UTF-8, empty, or a directory without text files.
 */
export function readTextCorpus(pathOrDir: string): string {
  const stats = statOrThrow(pathOrDir);
  if (!stats.isDirectory()) return readTextFile(pathOrDir);

  let names: string[];
  try {
    names = readdirSync(pathOrDir);
  } catch (error) {
    throw new ArgumentError(`readTextCorpus: cannot list directory ${pathOrDir}: ${describe(error)}`);
  }
  const files = names
    .filter((name) => name.toLowerCase().endsWith('.txt'))
    .sort()
    .map((name) => join(pathOrDir, name))
    .filter((path) => statOrThrow(path).isFile());
  if (files.length === 0)
    throw new ArgumentError(`readTextCorpus: directory ${pathOrDir} contains no .txt files`);

  let text = '';
  for (const file of files) {
    if (text !== '' && !text.endsWith('\n')) text += '\n';
    text += readTextFile(file);
  }
  return text;
}

function readTextFile(path: string): string {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new ArgumentError(`readTextCorpus: cannot read ${path}: ${describe(error)}`);
  }
  if (bytes.length === 0) throw new ArgumentError(`readTextCorpus: ${path} is empty`);
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new ArgumentError(`readTextCorpus: ${path} is not UTF-8 text`);
  }
}

function statOrThrow(path: string): Stats {
  try {
    return statSync(path);
  } catch (error) {
    throw new ArgumentError(`readTextCorpus: cannot read ${path}: ${describe(error)}`);
  }
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return (error as Error).message;
}
