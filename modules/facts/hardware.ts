// Facts cpu (/proc/cpuinfo, nproc) and memory (/proc/meminfo): parsers and their probe sections.
import { sh } from '../../core/sh.ts';
import { ShellCommand } from '../../core/sh.ts';
import { FactError, int, okText, type FactProbe } from './fact.ts';

/** The host's processors. */
export interface CpuFact {
  /** Processors the kernel lists (`processor` entries of /proc/cpuinfo). */
  readonly processors: number;
  /** Processors this login may use (`nproc`: affinity and cgroup limits applied); size worker counts with it. */
  readonly usable: number;
  /** `model name` (x86) or `Model`/`Hardware` (ARM), when the kernel says. */
  readonly model?: string;
  /** Distinct `physical id`s (x86), when listed. */
  readonly sockets?: number;
}

/** The cpu fact from /proc/cpuinfo's text and nproc's answer. */
export function parseCpu(cpuinfo: string, nproc: string): CpuFact {
  let processors = 0;
  const named = new Map<string, string>();
  const sockets = new Set<string>();
  for (const line of cpuinfo.split('\n')) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const key = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    if (key === 'processor' && /^\d+$/.test(value)) processors++;
    else if ((key === 'model name' || key === 'Model' || key === 'Hardware') && !named.has(key) && value)
      named.set(key, value);
    else if (key === 'physical id') sockets.add(value);
  }
  // x86's `model name`; ARM's board `Model` says more than its SoC's `Hardware`.
  const model = named.get('model name') ?? named.get('Model') ?? named.get('Hardware');
  if (processors === 0) throw new FactError('cpu', '/proc/cpuinfo lists no processor');
  return {
    processors,
    usable: int('cpu', 'nproc', nproc),
    ...(model !== undefined ? { model } : {}),
    ...(sockets.size ? { sockets: sockets.size } : {}),
  };
}

export const cpuFact: FactProbe<CpuFact> = {
  sections: ['cpu.info', 'cpu.nproc'],
  build: (frame) =>
    ShellCommand.join([frame.section('cpu.info', sh`cat /proc/cpuinfo`), frame.section('cpu.nproc', sh`nproc`)]),
  parse: (s) => parseCpu(okText(s, 'cpu', 'cpu.info', 'cat /proc/cpuinfo'), okText(s, 'cpu', 'cpu.nproc', 'nproc')),
};

/** The host's memory, in bytes (/proc/meminfo counts kB: 1024 bytes). */
export interface MemoryFact {
  readonly totalBytes: number;
  readonly freeBytes: number;
  /** `MemAvailable`: what can be allocated without swapping (kernels since 3.14). */
  readonly availableBytes?: number;
  readonly swapTotalBytes: number;
  readonly swapFreeBytes: number;
}

/** The memory fact from /proc/meminfo's text. */
export function parseMeminfo(text: string): MemoryFact {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9_()]+):\s+(\d+)(?: kB)?$/.exec(line.trim());
    if (m) kb.set(m[1], Number(m[2]) * 1024);
  }
  const need = (k: string): number => {
    const v = kb.get(k);
    if (v === undefined) throw new FactError('memory', `/proc/meminfo has no ${k} line`);
    return v;
  };
  const available = kb.get('MemAvailable');
  return {
    totalBytes: need('MemTotal'),
    freeBytes: need('MemFree'),
    ...(available !== undefined ? { availableBytes: available } : {}),
    swapTotalBytes: need('SwapTotal'),
    swapFreeBytes: need('SwapFree'),
  };
}

export const memoryFact: FactProbe<MemoryFact> = {
  sections: ['memory.info'],
  build: (frame) => frame.section('memory.info', sh`cat /proc/meminfo`),
  parse: (s) => parseMeminfo(okText(s, 'memory', 'memory.info', 'cat /proc/meminfo')),
};
