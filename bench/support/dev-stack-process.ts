import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePorts } from '../../servers/port.js';
import { sleep } from './clock.js';

export interface DevStackProcess {
  appUrl: string;
  /** The stack's output so far (printed when something fails). */
  output(): string;
  /** SIGINT (the stack's clean stop), SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * `tools/dev.ts --next start` (production build) on free ports and its own data dir, as
 * the e2e suite runs it; resolves once `/api/health` answers.
 */
export async function startDevStack(options: { root: string; dataDir: string; simulatorRate: number; timeoutMs?: number }): Promise<DevStackProcess> {
  const [app, api, postgres, legacy] = (await freePorts(4)) as [number, number, number, number];
  const child = spawn(process.execPath, ['--conditions=react-server', '--import', 'tsx', 'tools/dev.ts', '--next', 'start'], {
    cwd: options.root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      SWITCHYARD_DATA_DIR: path.relative(options.root, options.dataDir),
      APP_PORT: String(app),
      SUPABASE_API_PORT: String(api),
      POSTGRES_PORT: String(postgres),
      LEGACY_WS_PORT: String(legacy),
      SIMULATOR_RATE: String(options.simulatorRate),
      NEXT_TELEMETRY_DISABLED: '1',
    },
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const stack: DevStackProcess = {
    appUrl: `http://127.0.0.1:${app}`,
    output: () => output,
    async stop(timeoutMs = 30_000) {
      if (exited) return;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exit;
      clearTimeout(timer);
    },
  };
  const deadline = performance.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    if (exited) throw new Error(`bench: the dev stack exited while starting:\n${output}`);
    const healthy = await fetch(`${stack.appUrl}/api/health`).then((r) => r.ok, () => false);
    if (healthy) return stack;
    if (performance.now() > deadline) {
      await stack.stop();
      throw new Error(`bench: the dev stack was not healthy in time:\n${output}`);
    }
    await sleep(500);
  }
}
