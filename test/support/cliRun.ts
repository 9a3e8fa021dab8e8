// Runs the CLI's main() in this process with extra environment variables, capturing its output.
import { main } from '../../src/cli/main';

export interface Captured {
  code: number;
  out: string;
  err: string;
}

export async function cli(args: string[], env: Record<string, string>): Promise<Captured> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  let out = '';
  let err = '';
  try {
    const code = await main(args, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
    return { code, out, err };
  } finally {
    for (const k of Object.keys(env)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}
