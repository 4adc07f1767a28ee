// The testbed runs system tools that Debian installs under sbin (sysctl, iptables, ip, chroot,
// nsenter, sshd). A root login shell has those folders on PATH, but a shell started with a bare
// environment (`env -i PATH=/usr/bin:/bin`, some CI runners, cron) does not, and the real-node
// and image tests then fail with "sysctl: not found". The test run and the testbed CLI add the
// missing folders once at start, so every child (tests, run-image's chroot) inherits them.
import { delimiter } from 'node:path';

const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** PATH with the system tool folders it lacks appended (its own order first). */
export function withSystemDirs(path: string | undefined): string {
  const dirs = (path ?? '').split(delimiter).filter((dir) => dir !== '');
  const missing = SYSTEM_DIRS.filter((dir) => !dirs.includes(dir));
  return [...dirs, ...missing].join(delimiter);
}

/** Sets this process's PATH so that it and its children find the system tools. */
export function addSystemDirsToPath(): void {
  process.env.PATH = withSystemDirs(process.env.PATH);
}
