// Command line: `serve` (the default), `migrate`, `--help`.
import { ConfigError, helpText, loadConfig } from './config.ts';
import { createLogger } from './log.ts';
// The server and the store are imported when needed, after the first line is out: loading them
// (every module, PGlite) takes seconds on a small machine.

async function main(argv: string[]): Promise<number> {
  const args = argv.filter((a) => a !== '--');
  if (args.includes('--help') || args.includes('-h') || args[0] === 'help') {
    process.stdout.write(helpText());
    return 0;
  }
  const command = args[0] ?? 'serve';
  const log = createLogger({ service: 'scale-ades' });
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`configuration error: ${err.message}\n\n${helpText()}`);
      return 2;
    }
    throw err;
  }
  if (command === 'migrate') {
    const { openDb } = await import('./store/open.ts');
    const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 1 });
    await db.close();
    log.info('database is up to date', { database: config.databaseUrl ? 'postgres' : 'pglite' });
    return 0;
  }
  if (command !== 'serve') {
    process.stderr.write(`unknown command ${command}\n\n${helpText()}`);
    return 2;
  }
  // Opening PGlite and bringing the database up to date takes seconds on a first start: say so first.
  log.info('starting: opening the database and applying its migrations, then the scheduler and the API', { database: config.databaseUrl ? 'postgres' : 'pglite', dataDir: config.dataDir, port: config.port });
  const { buildServer } = await import('./server.ts');
  const server = await buildServer(config, { log });
  log.info('listening', { url: server.url, database: server.db.kind, executor: config.executor, dataDir: config.dataDir });
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info('shutting down', { signal });
    await server.close().catch((err) => log.error('shutdown failed', { err }));
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  return -1; // keep running
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    // A refusal the operator can act on is said in one line; anything else with its stack.
    process.stderr.write(err?.name === 'DirLockedError' ? `cannot start: ${err.message}\n` : `${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
