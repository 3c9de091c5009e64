/**
 * The Python with pandas that the seed benchmark runs: a venv under SHAMDAN_HOME/tools keyed by the
 * pins, so a changed pin builds a new venv and an unchanged one is reused (as .ci/deploy-checks does).
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

export const PY_PINS = "pandas==3.1.1 numpy==2.4.6";

export function pandasVenvDir(home = process.env.SHAMDAN_HOME ?? ".shamdan"): string {
  const key = new Bun.CryptoHasher("sha256").update(PY_PINS).digest("hex").slice(0, 12);
  return join(resolve(import.meta.dir, "../..", home), "tools", `venv-${key}`);
}

/** Returns the venv's python, creating the venv (pip install of the pins) on first use. */
export async function ensurePandasPython(log: (line: string) => void): Promise<string> {
  const venv = pandasVenvDir();
  const python = join(venv, "bin", "python");
  // The marker is written last: a half-installed venv (interrupted pip) is rebuilt.
  const marker = join(venv, ".installed");
  if (existsSync(marker)) return python;
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(join(venv, ".."), { recursive: true });
  log(`installing ${PY_PINS} into ${venv}`);
  const steps = [
    ["python3", "-m", "venv", venv],
    [join(venv, "bin", "pip"), "install", "-q", "--disable-pip-version-check", ...PY_PINS.split(" ")],
  ];
  for (const cmd of steps) {
    const proc = Bun.spawnSync(cmd, { stdout: "inherit", stderr: "inherit" });
    if (proc.exitCode !== 0) {
      rmSync(venv, { recursive: true, force: true });
      throw new Error(
        `${cmd.slice(0, 2).join(" ")} failed (exit ${proc.exitCode}); needs python3 with venv and PyPI access`,
      );
    }
  }
  await Bun.write(marker, `${PY_PINS}\n`);
  return python;
}

if (import.meta.main) console.log(await ensurePandasPython((l) => console.log(l)));
