import fs from 'node:fs';

/** A process's resident memory (VmRSS), Linux. */
export function readRssBytes(pid: number): number {
  return readKilobytes(`/proc/${pid}/status`, 'VmRSS') * 1024;
}

/** A process's proportional share of the memory it shares with others (Pss), Linux. */
export function readPssBytes(pid: number): number {
  return readKilobytes(`/proc/${pid}/smaps_rollup`, 'Pss') * 1024;
}

/** The anonymous (private, not file-backed) part of a process's resident memory, Linux. */
export function readAnonymousRssBytes(pid: number): number {
  return readKilobytes(`/proc/${pid}/status`, 'RssAnon') * 1024;
}

function readKilobytes(file: string, field: string): number {
  const kilobytes = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(fs.readFileSync(file, 'utf8'))?.[1];
  if (kilobytes === undefined) throw new Error(`no ${field} in ${file}`);
  return Number(kilobytes);
}
