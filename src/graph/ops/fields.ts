// Fields every graph node shares, and the initialiser field of the ops that have weights.
import { conditionField, NODE_NAME_PATTERN, nodeName, type JsonSchema } from '../../config/schema/fragments.js';

/** `name` and `from`: how nodes wire into a graph. */
export const nodeFields: Record<string, JsonSchema> = {
  name: nodeName(
    'Name of this node, for `from` references, weight sharing and init matching; an expression may compute it (`${2 if expand else 1}`: torchvision\'s index of a module whose predecessors are optional). Default: the op and its position, e.g. conv_3.',
  ),
  from: {
    description: 'The node(s) whose output feeds this one: a name, or a list for add/concat. `input` is the graph (or block) input. Default: the previous node.',
    anyOf: [
      { type: 'string', pattern: NODE_NAME_PATTERN },
      { type: 'array', items: { type: 'string', pattern: NODE_NAME_PATTERN }, minItems: 1 },
    ],
  },
  if: conditionField,
};

/** An initialiser: a preset name, or an object with `type` and its parameters. */
export const initializerSchema: JsonSchema = { $ref: '#/$defs/initializer' };

export const weightFields: Record<string, JsonSchema> = {
  kernel_init: { ...initializerSchema, description: 'Initialiser of the weights. Default: the model\'s `init` for this op, else `pytorch`.' },
  bias_init: { ...initializerSchema, description: 'Initialiser of the bias. Default: the model\'s `init` for this op, else `pytorch` (uniform in ±1/sqrt(fan_in)).' },
};
