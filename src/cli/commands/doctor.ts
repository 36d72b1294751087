// `pipe doctor`: which compute backend the engine would train on here, and why not the others.
import { BACKEND_KINDS, initBackend, probeBackends, type BackendInfo, type BackendProbe } from '../../backend/index.js';
import type { Command } from '../command.js';
import { backendOption } from './options.js';

// How BackendInfo.details keys read in the report.
const DETAIL_LABELS: Readonly<Record<string, string>> = {
  binary: 'binary',
  simd: 'simd',
  threads: 'threads',
  heapLimit: 'heap limit',
  engineKernels: 'engine kernels',
};

export const doctor: Command = {
  name: 'doctor',
  summary: 'show the compute backend training would use, and why the others are unavailable',
  usage: 'pipe doctor [--backend NAME] [--json]',
  positionals: { min: 0, max: 0 },
  description:
    `Starts the compute backend the engine would train on and prints it with its package versions, then every other backend with the reason it is not used. Without --backend (or PIPE_BACKEND) the first available of ${BACKEND_KINDS.join(' > ')} is chosen.`,
  options: [
    backendOption,
    { name: 'json', type: 'boolean', description: 'print JSON instead of text' },
  ],
  async run(args, io) {
    const info = await initBackend({ backend: args.values.backend as string | undefined, env: io.env });
    const probes = await probeBackends();
    if (args.values.json) {
      const { kind, chosenBy, versions, details } = info;
      io.out(JSON.stringify({ chosen: { kind, chosenBy, versions, details }, backends: probes }, null, 2) + '\n');
    } else {
      io.out(doctorReport(info, probes));
    }
    return 0;
  },
};

export function doctorReport(info: BackendInfo, probes: readonly BackendProbe[]): string {
  const lines = [`backend: ${info.kind} (chosen by ${info.chosenBy})`];
  for (const [name, version] of Object.entries(info.versions)) lines.push(`  ${name} ${version}`);
  for (const [key, value] of Object.entries(info.details)) lines.push(`  ${DETAIL_LABELS[key] ?? key}: ${value}`);
  lines.push('other backends:');
  for (const p of probes) {
    if (p.kind === info.kind) continue;
    const notChosen = info.chosenBy === 'preference order' ? `ranked below ${info.kind}` : `not chosen (${info.chosenBy})`;
    lines.push(`  ${p.kind}: ${p.available ? `available (${p.packageName} ${p.version}), ${notChosen}` : p.reason}`);
  }
  return lines.join('\n') + '\n';
}
