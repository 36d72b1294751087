// ONNX export of a stored model (docs/export.md): read model.json and its weights
// (stored-model.ts), convert layer by layer (convert.ts, layers/registry.ts), encode with
// onnx-proto (ONNX's own schema, compiled to JS). The ONNX model takes and returns what the
// engine's does: NHWC images (or [batch, n] vectors) with a symbolic batch dimension, so the
// preprocessing recorded in pipe.json feeds it unchanged.
export { convertToOnnx, OPSET, type OnnxMetadata, type OnnxModel, type OnnxTensorInfo } from './convert.js';
export { layerConverters } from './layers/registry.js';
export { readStoredModel, storedModel, storedModelFromArtifacts, type StoredModel, type StoredWeight, type WeightSpec } from './stored-model.js';
export { writeOnnxModel, type OnnxExportRecord } from './write.js';
