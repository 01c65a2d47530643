// One server per database for a test file of this folder: the families it runs share it (a server
// start, PGlite's most of all, costs more than the tests), each family inserting its own rows and
// looking only at them where another family's could show.
import { dbKinds, type DbKind } from '../helpers/db.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

/** Runs `families` once per database against one server: local executor, scheduler paused, background clock and Strike polls quiet. */
export function withViewsServer(title: string, families: ((server: () => TestServer) => void)[]): void {
  for (const kind of dbKinds()) {
    describe(`${title} (${kind})`, function () {
      this.timeout(60_000);
      let t: TestServer | undefined;
      before(async () => {
        t = await startServer(kind as DbKind, { SCALE_EXECUTOR: 'local', SCALE_CLOCK_TICK_MS: '3600000', SCALE_STRIKE_POLL_MS: '3600000' });
      });
      after(() => t?.close());
      const server = () => {
        if (!t) throw new Error('the server has not started');
        return t;
      };
      for (const family of families) family(server);
    });
  }
}
