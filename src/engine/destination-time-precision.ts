import fs from 'node:fs';
import path from 'node:path';

// statfs(2) magic numbers of Linux filesystems that store modification times coarsely: FAT in 2-second steps,
// HFS/HFS+ and the SMB family in whole seconds (or as the server stores them), and FUSE, which can be anything
// (NTFS through ntfs-3g, sshfs, a FAT stick through exfat-fuse): unknown, so treated as coarse.
const COARSE_TIME_FILESYSTEMS = new Map<number, string>([
  [0x4d44, 'msdos/vfat'],
  [0x2011bab0, 'exfat'],
  [0xff534d42, 'cifs'],
  [0xfe534d42, 'smb2'],
  [0x517b, 'smb'],
  [0x4244, 'hfs'],
  [0x482b, 'hfsplus'],
  [0x65735546, 'fuse'],
]);

export interface FilesystemProbe {
  platform: NodeJS.Platform;
  /** The statfs(2) type of the filesystem that holds `path`; throws ENOENT when `path` does not exist. */
  filesystemType: (path: string) => number;
}

const REAL_PROBE: FilesystemProbe = {
  platform: process.platform,
  filesystemType: (folder) => fs.statfsSync(folder).type,
};

/**
 * Whether the destination may store times coarsely, so that a whole-second time near the source's is the same
 * time. Decided once per run, without writing anything (a dry run writes nothing): on Linux from the type of the
 * filesystem that holds the destination (or its nearest existing parent, for a mirror not made yet); elsewhere,
 * or when that cannot be told, yes, as a wrong "yes" only keeps a time that differs by less than 2 s.
 */
export function destinationStoresCoarseTimes(
  destination: string,
  probe: FilesystemProbe = REAL_PROBE,
): boolean {
  if (probe.platform !== 'linux') return true;
  let folder = path.resolve(destination);
  for (;;) {
    try {
      return COARSE_TIME_FILESYSTEMS.has(probe.filesystemType(folder) >>> 0);
    } catch (error) {
      const parent = path.dirname(folder);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === folder) return true;
      folder = parent;
    }
  }
}
