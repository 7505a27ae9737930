import { startedInFile } from './service';

/**
 * After a file in which a test or hook failed (environment.ts counts them): the tail of each service's own output,
 * where its warnings and errors are, with the file that holds all of it.
 */
const TAIL = 6000;

afterAll(() => {
  if (!(globalThis as { __faultFailures?: number }).__faultFailures) return;
  for (const s of startedInFile) {
    const out = s.output();
    console.log(
      `--- ${s.role} service on ${s.url} (pid ${s.child.pid}, ${s.alive() ? 'running' : 'exited'}); all of it in ${s.logFile}\n` +
        (out.length > TAIL ? `[…]${out.slice(-TAIL)}` : out || '(printed nothing)'),
    );
  }
});
