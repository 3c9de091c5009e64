/** Counts test cases in a JUnit XML report (as written by `bun test --reporter=junit`). */
export function countJunit(xml: string): { passed: number; failed: number; skipped: number } {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  // Each <testcase ...>...</testcase> or self-closing <testcase .../>; its children say how it ended.
  const cases = xml.match(/<testcase\b[^>]*?(?:\/>|>[\s\S]*?<\/testcase>)/g) ?? [];
  for (const testCase of cases) {
    if (/<(failure|error)\b/.test(testCase)) failed++;
    else if (/<skipped\b/.test(testCase)) skipped++;
    else passed++;
  }
  return { passed, failed, skipped };
}
