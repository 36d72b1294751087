// tf.profile's kernels of one step, summed by kernel name: bench:backend's and bench:train's
// profiles read a step the same way.

export interface KernelTime {
  readonly name: string;
  readonly ms: number;
  readonly calls: number;
}

/** Time and calls per kernel, largest first (tf.profile has resolved each kernelTimeMs to a number). Kernels run inside composite ops ('...__op') are listed under both: the kernels only. */
export function kernelTimes(info: { readonly kernels: readonly { readonly name: string; readonly kernelTimeMs: unknown }[] }): KernelTime[] {
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels.filter((k) => !k.name.endsWith('__op'))) {
    const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += k.kernelTimeMs as number;
    e.calls++;
    byKernel.set(k.name, e);
  }
  return [...byKernel.entries()].map(([name, e]) => ({ name, ...e })).sort((a, b) => b.ms - a.ms);
}
