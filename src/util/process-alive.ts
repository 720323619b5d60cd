/**
 * Whether a process with this pid exists. Lock files and scratch folders name their owner's pid so
 * that what a killed process left behind can be recognised and taken over.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user — alive all the same.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
