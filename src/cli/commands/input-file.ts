import { jsonDeeperThan, MAX_JSON_DEPTH } from '../../../domain/shared/json-depth';
import { readFileSync } from 'node:fs';

/** Reads the file a CLI option names; a failure says which option and why, not a bare ENOENT. */
export function readInput(option: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String((error as Error).message);
    throw new Error(`cannot read ${option} ${file}: ${why}`);
  }
}

export function readInputText(option: string, file: string): string {
  return readInput(option, file).toString('utf8');
}

/** Reads and parses a JSON file a CLI option names. */
export function readInputJson(option: string, file: string): unknown {
  const text = readInputText(option, file);
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${option} ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (jsonDeeperThan(value)) throw new Error(`${option} ${file} is JSON nested deeper than ${MAX_JSON_DEPTH} levels, which no input of attestor needs`);
  return value;
}
