import fs from 'node:fs';

/** User and system CPU seconds of a process, Linux (clock ticks of 1/100 s); undefined once it is gone. */
export function cpuSecondsOf(pid: number): number | undefined {
  try {
    // Past the command name (which may hold spaces): utime and stime are fields 14 and 15 of the line.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** The PocketBase process serving `url` (found by its `--http` argument), for its CPU time. */
export function findServerPid(url: string): number | undefined {
  const argument = `--http=${new URL(url).host}`;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(argument))
        return Number(entry);
    } catch {
      // Gone meanwhile, or another user's.
    }
  }
  return undefined;
}

/** CPU used by groups of processes since the meter started, as a share of wall time (100 % = one core). */
export class CpuMeter {
  private readonly before: (number | undefined)[];
  private readonly startedAt = performance.now();

  constructor(private readonly groups: Record<string, readonly number[]>) {
    this.before = this.read();
  }

  /** "supervisor 12 %, runners 30 %": "?" for a group with a process gone meanwhile (or none). */
  describe(): string {
    const after = this.read();
    const wallSeconds = (performance.now() - this.startedAt) / 1000;
    return Object.keys(this.groups)
      .map((name, index) => {
        const [start, end] = [this.before[index], after[index]];
        const share =
          start === undefined || end === undefined ? '?' : (((end - start) / wallSeconds) * 100).toFixed(0);
        return `${name} ${share} %`;
      })
      .join(', ');
  }

  private read(): (number | undefined)[] {
    return Object.values(this.groups).map((pids) => {
      const seconds = pids.map(cpuSecondsOf);
      if (pids.length === 0 || seconds.includes(undefined)) return undefined;
      return seconds.reduce<number>((sum, value) => sum + (value ?? 0), 0);
    });
  }
}
