// Every expected failure of the ONNX export is bad input (exit 2) located at the model.json it
// came from: the file is damaged, or it holds a layer or a setting ONNX cannot express here.
import { inputError, type InputError } from '../../errors.js';

/** A name from the file as the message shows it: plain, or JSON-quoted when it holds quotes,
 *  control characters or spaces (a hostile name cannot break the line it is printed on). */
export function shown(name: string): string {
  return /^[\p{L}\p{N}_./:#@+-]+$/u.test(name) ? `'${name}'` : JSON.stringify(name);
}

/** `model.json: message (hint)`: the file, then what is wrong. */
export function modelFileError(file: string, message: string, hint?: string): InputError {
  return inputError(message, { location: { file, line: 0, col: 0 }, hint });
}

/** What a layer converter throws: the converter knows the layer, convertModel adds the file. */
export class LayerRefusal extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'LayerRefusal';
  }
}
