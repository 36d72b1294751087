// The window arithmetic of PyTorch's average pools as plain numbers, without tfjs: the engine's
// layers (avgpool.ts, adaptive-avgpool.ts) and the ONNX export (src/export/onnx/layers/
// torch-pooling.ts) build their constants from these, so both compute the same windows.

/**
 * PyTorch's divisor along one axis (avg_pool2d's kernel): window i starts at i*s - p and ends at
 * min(start + k, size + p); counting padding it is end - start, else the part inside [0, size).
 */
export function divisors(size: number, out: number, k: number, s: number, p: number, countIncludePad: boolean): number[] {
  return Array.from({ length: out }, (_, i) => {
    const start = i * s - p;
    const end = Math.min(start + k, size + p);
    return countIncludePad ? end - start : Math.min(end, size) - Math.max(start, 0);
  });
}

/** The [out, size] averaging matrix of one axis of AdaptiveAvgPool2d: bin i averages inputs
 *  [floor(i * size / out), ceil((i + 1) * size / out)). */
export function adaptiveMatrix(size: number, out: number): Float32Array {
  const m = new Float32Array(out * size);
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * size) / out);
    const end = Math.ceil(((i + 1) * size) / out);
    for (let j = start; j < end; j++) m[i * size + j] = 1 / (end - start);
  }
  return m;
}
