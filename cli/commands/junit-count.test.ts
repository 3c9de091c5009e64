import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { countJunit } from "./junit-count.ts";

test("counts passed, failed and skipped test cases", () => {
  const xml = `<?xml version="1.0"?><testsuites><testsuite name="a">
    <testcase name="ok one" time="0.1" />
    <testcase name="ok two" time="0.1"></testcase>
    <testcase name="broken"><failure message="expected 1" type="AssertionError" /></testcase>
    <testcase name="crashed"><error message="boom" /></testcase>
    <testcase name="later"><skipped /></testcase>
  </testsuite></testsuites>`;
  expect(countJunit(xml)).toEqual({ passed: 2, failed: 2, skipped: 1 });
});

test("an empty report counts nothing", () => {
  expect(countJunit("<testsuites></testsuites>")).toEqual({ passed: 0, failed: 0, skipped: 0 });
});

test("markup inside names, messages and captured output is text, not test cases", () => {
  // Valid XML a JUnit writer may emit: `>` unescaped in an attribute, test output kept as CDATA.
  const xml = `<testsuites><testsuite name="a.test.ts"><testsuite name="nested describe">
    <testcase name="renders a /> b"><failure message="got <skipped/>" /></testcase>
    <testcase name="logs"><system-out><![CDATA[<testcase name="printed"/></testcase>]]></system-out></testcase>
  </testsuite></testsuite></testsuites>`;
  expect(countJunit(xml)).toEqual({ passed: 1, failed: 1, skipped: 0 });
});

test("counts a report Bun itself wrote", async () => {
  const dir = mkdtempSync(join(tmpdir(), "junit-"));
  try {
    writeFileSync(
      join(dir, "sample.test.ts"),
      `import { describe, expect, test } from "bun:test";
test("passes", () => expect(1).toBe(1));
test("fails with <markup/>", () => expect(1).toBe(2));
test.skip("skipped", () => {});
describe("group", () => { test("nested passes", () => {}); });`,
    );
    const report = join(dir, "report.xml");
    const child = Bun.spawn(
      ["bun", "test", "--reporter=junit", `--reporter-outfile=${report}`, "./sample.test.ts"],
      {
        cwd: dir,
        stdout: "ignore",
        stderr: "ignore",
      },
    );
    expect(await child.exited).toBe(1);
    expect(countJunit(readFileSync(report, "utf8"))).toEqual({ passed: 2, failed: 1, skipped: 1 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
