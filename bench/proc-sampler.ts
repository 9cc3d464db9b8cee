import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** What one process used during a sampling window. */
export interface ProcUsage {
  /** Highest VmRSS seen, in MB (1 MB = 2^20 bytes). */
  peakRssMb: number;
  /** CPU time (user + system) over wall time of the window, in percent of one core. */
  cpuPct: number;
  /**
   * CPU time (user + system, every thread) used over the window, in ms: the same /proc ticks as
   * cpuPct (10 ms resolution at CLK_TCK 100). Absent in reports written before it existed.
   */
  cpuMs?: number;
  /**
   * VmHWM at the last sample, in MB: the true peak (no sampling gaps) since the window opened, as
   * the high-water mark is reset when a process joins (`/proc/<pid>/clear_refs`); since the process
   * started if that reset was refused (then `hwmSinceStart` is true).
   */
  hwmRssMb: number;
  hwmSinceStart?: boolean;
}

interface Reading {
  t: number;
  ticks: number;
  rssKb: number;
  hwmKb: number;
}

interface Series {
  label: string;
  pid: number;
  hwmReset: boolean;
  first?: Reading;
  last?: Reading;
  peakRssKb: number;
}

let clockTicks: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`, 100 on Linux in practice). */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Reads utime + stime and VmRSS/VmHWM of a process; undefined once it has exited. */
function read(pid: number): Reading | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[11]) + Number(rest[12]); // fields 14 (utime) and 15 (stime)
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { t: performance.now(), ticks, rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/** Whole-machine CPU over a sampling window, in percent of one core (2 cores busy = 200). */
export interface MachineUsage {
  /** Every core's non-idle time (user, system, irq, softirq, steal). */
  busyPct: number;
  /** Time the hypervisor gave to someone else: a busy neighbour makes numbers unreliable. */
  stealPct: number;
  /** Busy time that none of the sampled processes accounts for: other people's work, kernel networking. */
  unaccountedPct: number;
}

interface CpuTimes {
  t: number;
  busy: number;
  steal: number;
}

/** Reads the aggregate `cpu` line of /proc/stat (in clock ticks). */
function readCpuTimes(): CpuTimes | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const [, user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    const busy = [user, nice, system, irq, softirq, steal].reduce<number>((a, b) => a + (b ?? 0), 0);
    if (idle === undefined || iowait === undefined) return undefined;
    return { t: performance.now(), busy, steal: steal ?? 0 };
  } catch {
    return undefined;
  }
}

/**
 * Samples RSS and CPU time of a set of processes every `intervalMs` while a load runs. Processes
 * can join late (a load generator started after the window opened).
 */
export class ProcSampler {
  private readonly series = new Map<string, Series>();
  private timer: NodeJS.Timeout | undefined;
  private machineStart: CpuTimes | undefined;
  /** Whole-machine CPU over the last window, set by {@link stop}. */
  machine: MachineUsage | undefined;

  constructor(private readonly intervalMs = 200) {}

  /**
   * Adds a process under a label (e.g. `on-1.0/gateway`) and takes its first reading now. Several
   * processes may share a label (the instances of a replicated service): the label's CPU is
   * their sum, its RSS figures the largest instance's.
   */
  add(label: string, pid: number | undefined): void {
    const key = `${label}\u0000${String(pid)}`;
    if (pid === undefined || this.series.has(key)) return;
    const s: Series = { label, pid, peakRssKb: 0, hwmReset: resetHighWaterMark(pid) };
    this.series.set(key, s);
    this.sampleOne(s);
  }

  /** Starts sampling. */
  start(): void {
    this.machineStart = readCpuTimes();
    this.timer ??= setInterval(() => this.sampleAll(), this.intervalMs);
  }

  /** Takes a last reading, stops, and returns each process's usage over the window. */
  stop(): Record<string, ProcUsage> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sampleAll();
    const machineEnd = readCpuTimes();
    const hz = ticksPerSecond();
    const out: Record<string, ProcUsage> = {};
    const byLabel = new Map<string, Series[]>();
    for (const s of this.series.values()) if (s.first && s.last) byLabel.set(s.label, [...(byLabel.get(s.label) ?? []), s]);
    for (const [label, members] of byLabel) {
      let seconds = 0;
      let cpuSeconds = 0;
      for (const s of members) {
        seconds = Math.max(seconds, (s.last!.t - s.first!.t) / 1000);
        cpuSeconds += (s.last!.ticks - s.first!.ticks) / hz;
      }
      out[label] = {
        peakRssMb: round1(Math.max(...members.map((s) => s.peakRssKb)) / 1024),
        cpuPct: seconds > 0 ? round1((cpuSeconds / seconds) * 100) : 0,
        cpuMs: round1(cpuSeconds * 1000),
        hwmRssMb: round1(Math.max(...members.map((s) => s.last!.hwmKb)) / 1024),
        ...(members.every((s) => s.hwmReset) ? {} : { hwmSinceStart: true }),
      };
    }
    if (this.machineStart && machineEnd && machineEnd.t > this.machineStart.t) {
      const seconds = (machineEnd.t - this.machineStart.t) / 1000;
      const pct = (ticks: number) => round1((ticks / hz / seconds) * 100);
      const busyPct = pct(machineEnd.busy - this.machineStart.busy);
      const accounted = Object.values(out).reduce((sum, u) => sum + u.cpuPct, 0);
      this.machine = {
        busyPct,
        stealPct: pct(machineEnd.steal - this.machineStart.steal),
        unaccountedPct: round1(Math.max(0, busyPct - accounted)),
      };
    }
    return out;
  }

  private sampleAll(): void {
    for (const s of this.series.values()) this.sampleOne(s);
  }

  private sampleOne(s: Series): void {
    const r = read(s.pid);
    if (!r) return;
    s.first ??= r;
    s.last = r;
    s.peakRssKb = Math.max(s.peakRssKb, r.rssKb);
  }
}

/** Resets a process's VmHWM to its current RSS (Linux >= 4.0, own processes); false if refused. */
function resetHighWaterMark(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Whole-machine busy percent (of one core) over `ms` milliseconds. */
export async function machineBusyOver(ms: number): Promise<number> {
  const before = readCpuTimes();
  await new Promise((r) => setTimeout(r, ms));
  const after = readCpuTimes();
  if (!before || !after) return 0;
  return ((after.busy - before.busy) / ticksPerSecond() / ((after.t - before.t) / 1000)) * 100;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
