/**
 * The workspaces' manifests say what each package needs and what it offers, and stay true: every
 * package a workspace imports is declared in its package.json (test-only imports may be dev
 * dependencies), every `@shamdan/...` import in the repository names an export of that workspace,
 * and every export is imported from outside its own package — so the lists stay explicit and narrow.
 * A new cross-package import therefore means adding it to the target's `exports` (and the importer's
 * dependencies); an export nobody outside uses any more is removed.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = join(import.meta.dir, "..");
/** Folders outside the workspaces whose imports of `@shamdan/...` must resolve too. */
const OTHER_SOURCES = ["bench", "docs"];

interface Manifest {
  name: string;
  exports?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, "utf8")) as T;
const workspaces = readJson<{ workspaces: string[] }>(join(ROOT, "package.json")).workspaces;
const manifests = new Map(
  workspaces.map((dir) => [dir, readJson<Manifest>(join(ROOT, dir, "package.json"))]),
);
const byName = new Map([...manifests].map(([dir, m]) => [m.name, { dir, manifest: m }]));

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

// Static imports and re-exports, side-effect imports, dynamic import() and require().
const IMPORT =
  /(?:^|[^\w.$])(?:import|export)\s[^"'`;]*?\sfrom\s*["']([^"']+)["']|(?:^|[^\w.$])import\s*["']([^"']+)["']|(?:^|[^\w.$])(?:import|require)\(\s*["']([^"']+)["']\s*\)/gm;

interface Import {
  file: string;
  specifier: string;
  /** The package name: `kafkajs`, `@questdb/nodejs-client`, `@shamdan/shared`. */
  pkg: string;
  /** The export it asks for: `.` or `./core/config`. */
  subpath: string;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(IMPORT)].flatMap((m) => {
    const specifier = m[1] ?? m[2] ?? m[3] ?? "";
    if (/^(\.|\/|node:|bun:)/.test(specifier) || specifier === "bun" || specifier === "") return [];
    const parts = specifier.split("/");
    const cut = specifier.startsWith("@") ? 2 : 1;
    const rest = parts.slice(cut).join("/");
    return [
      {
        file: relative(ROOT, file),
        specifier,
        pkg: parts.slice(0, cut).join("/"),
        subpath: rest ? `./${rest}` : ".",
      },
    ];
  });
}

/** Tests, test helpers, contract suites and fixtures: their imports may be dev dependencies. */
const isTestFile = (path: string) =>
  /\.test\.ts$|\.contract\.ts$|(^|\/)testing(\/|\.ts$)|(^|\/)fixtures\//.test(path);

const importsByDir = new Map(
  [...workspaces, ...OTHER_SOURCES].map((dir) => [dir, sourceFiles(join(ROOT, dir)).flatMap(importsOf)]),
);

describe("workspace manifests", () => {
  test("the scan sees the imports it must check", () => {
    const all = [...importsByDir.values()].flat();
    expect(all.some((i) => i.specifier === "@shamdan/shared/core/config")).toBe(true);
    expect(all.some((i) => i.pkg === "kafkajs")).toBe(true);
    expect(all.some((i) => i.pkg === "@questdb/nodejs-client")).toBe(true);
  });

  test("each workspace declares the packages it imports (test-only ones at least as dev dependencies)", () => {
    const missing: string[] = [];
    for (const [dir, manifest] of manifests) {
      const deps = manifest.dependencies ?? {};
      const devDeps = manifest.devDependencies ?? {};
      for (const i of importsByDir.get(dir) ?? []) {
        if (i.pkg === manifest.name) continue;
        const declared = isTestFile(i.file) ? i.pkg in deps || i.pkg in devDeps : i.pkg in deps;
        if (!declared) missing.push(`${dir}/package.json lacks "${i.pkg}" (${i.file})`);
      }
    }
    expect([...new Set(missing)]).toEqual([]);
  });

  test("no workspace exports every file: the exports are an explicit list of files that exist", () => {
    for (const [dir, manifest] of manifests) {
      for (const [key, target] of Object.entries(manifest.exports ?? {})) {
        expect(`${dir}: ${key}`).not.toContain("*");
        expect({ dir, key, exists: existsSync(join(ROOT, dir, target)) }).toEqual({ dir, key, exists: true });
      }
    }
  });

  test("every @shamdan import names a workspace and one of its exports", () => {
    const unresolved: string[] = [];
    for (const i of [...importsByDir.values()].flat()) {
      if (!i.pkg.startsWith("@shamdan/")) continue;
      const target = byName.get(i.pkg);
      if (target === undefined) unresolved.push(`${i.file}: no workspace is named ${i.pkg}`);
      else if (!(i.subpath in (target.manifest.exports ?? {})))
        unresolved.push(`${i.file}: "${i.specifier}" is not in ${target.dir}/package.json exports`);
    }
    expect(unresolved).toEqual([]);
  });

  test("every export is imported from outside its package", () => {
    const usedFromOutside = new Set(
      [...importsByDir]
        .flatMap(([dir, imports]) => imports.filter((i) => byName.get(i.pkg)?.dir !== dir))
        .map((i) => `${i.pkg} ${i.subpath}`),
    );
    const unused = [...manifests].flatMap(([, m]) =>
      Object.keys(m.exports ?? {})
        .filter((key) => !usedFromOutside.has(`${m.name} ${key}`))
        .map((key) => `${m.name} ${key}`),
    );
    expect(unused).toEqual([]);
  });

  test("workspace dependencies point at workspaces that exist", () => {
    for (const [dir, m] of manifests)
      for (const name of Object.keys({ ...m.dependencies, ...m.devDependencies }).filter((n) =>
        n.startsWith("@shamdan/"),
      ))
        expect({ dir, name, known: byName.has(name) }).toEqual({ dir, name, known: true });
  });
});
