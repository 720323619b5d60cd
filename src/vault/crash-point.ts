/**
 * TEST-ONLY kill points. The crash-safety tests must stop the process at exact places inside a commit
 * or a forget (between the staging sync and the rename, halfway through the digest record, after the
 * first snapshot moved to the trash) — places no outside signal can hit reliably. When the environment
 * variable LIFEBOAT_TEST_CRASH_AT names a point (e.g. `commit:before-rename`), the process sends itself
 * SIGKILL there: no cleanup handler, no `finally`, exactly like kill -9 or a power cut.
 *
 * Never set it outside tests. Unset (always, in normal use) it costs one environment lookup per point.
 */
export type CrashPoint =
  | 'commit:digests-half-written'
  | 'commit:before-rename'
  | 'commit:after-rename'
  | 'forget:after-first-move'
  | 'forget:while-deleting';

export function crashPoint(point: CrashPoint): void {
  if (process.env['LIFEBOAT_TEST_CRASH_AT'] === point) process.kill(process.pid, 'SIGKILL');
}
