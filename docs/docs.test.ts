/**
 * The repository stands alone: no text file points at a document outside it or at a tracker's issue
 * numbers, every relative link in the Markdown resolves, and no comment bakes in a benchmark figure
 * (figures go stale; they live in `bun run bench` output and the README's benchmark table).
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");

/** Tracked files plus new ones not yet committed (git's own ignore rules apply). */
function repoFiles(): string[] {
  const git = Bun.spawnSync(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], {
    cwd: ROOT,
  });
  if (git.exitCode !== 0) throw new Error(`git ls-files failed: ${git.stderr.toString()}`);
  return git.stdout
    .toString()
    .split("\0")
    .filter((path) => path !== "" && existsSync(join(ROOT, path)));
}

const TEXT =
  /\.(ts|tsx|js|mjs|cjs|md|ya?ml|json|py|html|css|toml|sh)$|(^|\/)(Dockerfile|\.env\.example|run|deploy-checks)$/;
/** Recorded market data and reference fixtures are copied verbatim from their sources. */
const VERBATIM = /^data\/|(^|\/)fixtures\//;

const files = repoFiles();
const textFiles = files.filter((path) => TEXT.test(path) && !VERBATIM.test(path));
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const lineOf = (text: string, index: number) => text.slice(0, index).split("\n").length;

/** `path:line: excerpt` for every match of `pattern` in the text files chosen by `which`. */
function findAll(pattern: RegExp, which: (path: string) => boolean = () => true): string[] {
  const found: string[] = [];
  for (const path of textFiles.filter(which)) {
    const text = read(path);
    for (const match of text.matchAll(new RegExp(pattern.source, `${pattern.flags.replace("g", "")}g`)))
      found.push(`${path}:${lineOf(text, match.index)}: ${match[0]}`);
  }
  return found;
}

describe("the repository names nothing outside itself", () => {
  test("the scan sees the repository", () => {
    expect(textFiles).toContain("README.md");
    expect(textFiles).toContain("docs/docs.test.ts");
    expect(textFiles.length).toBeGreaterThan(100);
  });

  test("no issue numbers", () => {
    const patterns = [
      /\bissues? #\d+/i, // "issue #N"
      /\bissues? \d+,? (?:points?|items?)\b/i, // "issue N item M"
      /#\d+,? (?:points?|items?)\b/i, // "#N, point M"
      /\((?:points?|items?) \d+(?:-\d+)?\)/i, // "(point M)"
      /\bthe issue\b/i,
      /\bteam (?:data )?kit\b/i,
    ];
    expect(patterns.flatMap((pattern) => findAll(pattern))).toEqual([]);
  });

  test("every ../shared path resolves to a file or folder of the repository", () => {
    const outside: string[] = [];
    for (const path of textFiles) {
      const text = read(path);
      for (const match of text.matchAll(/(?:\.\.\/)+shared\b[\w./-]*/g)) {
        const target = resolve(ROOT, dirname(path), match[0].replace(/[.]+$/, ""));
        const inRepo = !relative(ROOT, target).startsWith("..");
        if (!inRepo || !existsSync(target)) outside.push(`${path}:${lineOf(text, match.index)}: ${match[0]}`);
      }
    }
    expect(outside).toEqual([]);
  });

  test("every upper-case document named (README.md, ...) exists in the repository", () => {
    const present = new Set(files.map((path) => basename(path)));
    const missing = findAll(/\b[A-Z][A-Z0-9_-]*\.md\b/).filter(
      (hit) => !present.has(hit.split(": ").at(-1) ?? ""),
    );
    expect(missing).toEqual([]);
  });

  test("every repository path a comment or document names exists (from the root or the file's folder)", () => {
    // Paths inside other repositories, cited as sources.
    const elsewhere = /^docs\/sources\//;
    const folders = "shared|indicators|ingest|processor|sink|api|web|grafana|cli|bench|docs|k8s|data|tools";
    const mention = new RegExp(`(?<![\\w@/.-])(?:${folders})/[\\w./-]*\\.(?:ts|md|json|ya?ml)\\b`, "g");
    const missing: string[] = [];
    for (const path of textFiles.filter((p) => /\.(ts|mjs|py|md|ya?ml)$/.test(p))) {
      const text = read(path);
      for (const match of text.matchAll(mention)) {
        const named = match[0];
        if (
          elsewhere.test(named) ||
          existsSync(join(ROOT, named)) ||
          existsSync(resolve(ROOT, dirname(path), named))
        )
          continue;
        missing.push(`${path}:${lineOf(text, match.index)}: ${named}`);
      }
    }
    expect(missing).toEqual([]);
  });

  test("every relative link and image in the Markdown points to an existing file", () => {
    const broken: string[] = [];
    for (const path of textFiles.filter((p) => p.endsWith(".md"))) {
      const text = read(path);
      const links = [
        ...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g),
        ...text.matchAll(/\bsrc="([^"]+)"/g),
      ];
      for (const link of links) {
        const target = link[1] ?? "";
        if (/^(?:[a-z][a-z0-9+.-]*:|#|\/)/i.test(target)) continue; // URL, anchor, or a route of the app
        const file = decodeURIComponent(target.replace(/[#?].*$/, ""));
        if (!existsSync(resolve(ROOT, dirname(path), file)))
          broken.push(`${path}:${lineOf(text, link.index)}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

test("no benchmark figures in code comments", () => {
  const figure = [
    /~?\d[\d.,]*\s?(?:ns|µs|us)\b(?! ?\()/, // "~40 ns", "0.8 µs"
    /\b\d+(?:\.\d+)?x (?:faster|slower)\b/i,
    /\d[\d.,]*k? (?:msg|rows|req|candles)\/s\b/,
    /~\d+(?:\.\d+)?%/,
    /\bfrom \d\.\d+ to \d\.\d+\b/, // "from 0.69 to 0.76"
  ];
  const comment = /^\s*(?:\/\/|\/?\*+|#)(.*)$/;
  const found: string[] = [];
  for (const path of textFiles.filter(
    (p) => /\.(ts|mjs|py|ya?ml)$|\.env\.example$|Dockerfile$/.test(p) && !p.startsWith("bench/"),
  )) {
    read(path)
      .split("\n")
      .forEach((line, index) => {
        const body = comment.exec(line)?.[1];
        if (body !== undefined && figure.some((pattern) => pattern.test(body)))
          found.push(`${path}:${index + 1}: ${line.trim()}`);
      });
  }
  expect(found).toEqual([]);
});
