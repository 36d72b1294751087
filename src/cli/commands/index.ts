// The command table: a plain list. Order here is the order `pipe --help` shows.
import type { Command } from '../command.js';

export const commands: readonly Command[] = [];
