/**
 * Counts test cases in a JUnit XML report (as written by `bun test --reporter=junit`), read with a real
 * XML parser: test names and failure messages are attribute and text content, which a pattern over the
 * raw text would have to unescape and could mistake for markup.
 */
import { XMLParser } from "fast-xml-parser";

export interface JunitCounts {
  passed: number;
  failed: number;
  skipped: number;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  // Suites nest (one per file, then per describe block); a case's children say how it ended.
  isArray: (name) => name === "testsuite" || name === "testcase",
});

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null;

function countInto(node: Node, counts: JunitCounts): void {
  for (const [name, value] of Object.entries(node)) {
    const children = Array.isArray(value) ? value : [value];
    if (name === "testcase") {
      for (const testCase of children) {
        // `<testcase/>` parses to "", `<testcase><skipped/></testcase>` to { skipped: "" }.
        const ended = isNode(testCase) ? testCase : {};
        if ("failure" in ended || "error" in ended) counts.failed++;
        else if ("skipped" in ended) counts.skipped++;
        else counts.passed++;
      }
    } else {
      for (const child of children) if (isNode(child)) countInto(child, counts);
    }
  }
}

export function countJunit(xml: string): JunitCounts {
  const counts: JunitCounts = { passed: 0, failed: 0, skipped: 0 };
  const document: unknown = parser.parse(xml);
  if (isNode(document)) countInto(document, counts);
  return counts;
}
