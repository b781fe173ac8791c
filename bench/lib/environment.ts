/** What a benchmark report says about the machine and process it ran in. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { detachEvents, isPristine } from './detach-probe.js';
import { describeTfjs } from './peers.js';
import { cpuOptionsAvailable, getTypegradCpuOptions } from './typegrad-cpu.js';

export interface Environment {
  node: string;
  v8: string;
  platform: string;
  cpuModel: string;
  logicalCpus: number;
  availableParallelism: number;
  /** 1, 5 and 15 minute load averages at start and end: other processes sharing the cores. */
  loadAverageStart: number[];
  loadAverageEnd: number[];
  tinybench: string;
  typegrad: { cpuOptionsExported: boolean; cpuOptionsAtStart: Record<string, unknown> | null };
  tfjs: Record<string, unknown>;
  /** No ArrayBuffer detached before the first measurement / by the end of the run. */
  pristineAtStart: boolean;
  pristineAtEnd: boolean;
  detaches: { reason: string; atMs: number }[];
  startedAt: string;
  durationS: number;
}

function packageVersion(name: string): string {
  // tinybench's exports map hides package.json; find it next to the resolved entry.
  let dir = path.dirname(createRequire(import.meta.url).resolve(name));
  for (let up = 0; up < 4; up++, dir = path.dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (manifest.name === name) return String(manifest.version);
    } catch {
      // not here; look one folder up
    }
  }
  return 'unknown';
}

/** Snapshot taken before the first measurement; `finishEnvironment` completes it. */
export function startEnvironment(): Environment {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.arch()}`,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    logicalCpus: cpus.length,
    availableParallelism: os.availableParallelism(),
    loadAverageStart: os.loadavg().map((x) => Number(x.toFixed(2))),
    loadAverageEnd: [],
    tinybench: packageVersion('tinybench'),
    typegrad: {
      cpuOptionsExported: cpuOptionsAvailable,
      cpuOptionsAtStart: getTypegradCpuOptions() as Record<string, unknown> | null,
    },
    tfjs: {},
    pristineAtStart: isPristine(),
    pristineAtEnd: false,
    detaches: [],
    startedAt: new Date().toISOString(),
    durationS: 0,
  };
}

export async function finishEnvironment(env: Environment): Promise<Environment> {
  return {
    ...env,
    loadAverageEnd: os.loadavg().map((x) => Number(x.toFixed(2))),
    tfjs: await describeTfjs(),
    pristineAtEnd: isPristine(),
    detaches: detachEvents().map((e) => ({ reason: e.reason, atMs: Math.round(e.atMs) })),
    durationS: Math.round((Date.now() - Date.parse(env.startedAt)) / 100) / 10,
  };
}
