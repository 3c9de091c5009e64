import { expect, test } from "bun:test";
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
