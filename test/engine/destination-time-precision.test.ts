import { expect } from 'chai';
import {
  destinationStoresCoarseTimes,
  type FilesystemProbe,
} from '../../src/engine/destination-time-precision.js';
import { makeSyncTrees, removeTempDirs } from '../helpers/temp-dir.js';

const EXT4 = 0xef53;
const TMPFS = 0x01021994;
const VFAT = 0x4d44;
const EXFAT = 0x2011bab0;
const CIFS = 0xff534d42;
const SMB2 = 0xfe534d42;
const FUSE = 0x65735546;

/** A Linux whose filesystems are `types` by path; a path not listed does not exist. */
function linuxWith(types: Record<string, number>, asked: string[] = []): FilesystemProbe {
  return {
    platform: 'linux',
    filesystemType: (folder) => {
      asked.push(folder);
      const type = types[folder];
      if (type === undefined) throw Object.assign(new Error(`ENOENT: ${folder}`), { code: 'ENOENT' });
      return type;
    },
  };
}

describe('destinationStoresCoarseTimes', () => {
  afterEach(removeTempDirs);

  it('says no for filesystems that store nanoseconds (ext4, tmpfs)', () => {
    expect(destinationStoresCoarseTimes('/mnt/mirror', linuxWith({ '/mnt/mirror': EXT4 }))).to.equal(false);
    expect(destinationStoresCoarseTimes('/mnt/mirror', linuxWith({ '/mnt/mirror': TMPFS }))).to.equal(false);
  });

  it('says yes for FAT, exFAT, SMB and FUSE (which can be anything)', () => {
    for (const type of [VFAT, EXFAT, CIFS, SMB2, FUSE]) {
      expect(
        destinationStoresCoarseTimes('/mnt/mirror', linuxWith({ '/mnt/mirror': type })),
        type.toString(16),
      ).to.equal(true);
    }
  });

  it('probes the nearest existing parent of a destination not made yet', () => {
    const asked: string[] = [];
    const probe = linuxWith({ '/mnt/stick': VFAT }, asked);
    expect(destinationStoresCoarseTimes('/mnt/stick/backups/new', probe)).to.equal(true);
    expect(asked).to.deep.equal(['/mnt/stick/backups/new', '/mnt/stick/backups', '/mnt/stick']);
  });

  it('keeps the lenient rule where the filesystem cannot be told: other platforms, or statfs failing', () => {
    for (const platform of ['darwin', 'win32'] as const) {
      expect(destinationStoresCoarseTimes('/x', { platform, filesystemType: () => EXT4 })).to.equal(true);
    }
    const denied: FilesystemProbe = {
      platform: 'linux',
      filesystemType: () => {
        throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
      },
    };
    expect(destinationStoresCoarseTimes('/x', denied)).to.equal(true);
  });

  it('reads the real filesystem of a real folder without writing in it', async () => {
    const { destination } = await makeSyncTrees(['destination']);
    // The test machine's temp folder is on ext4 or tmpfs, which store nanoseconds.
    expect(destinationStoresCoarseTimes(destination)).to.equal(false);
    expect(destinationStoresCoarseTimes(`${destination}/not/yet/made`)).to.equal(false);
  });
});
