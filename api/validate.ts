/**
 * hono's valibot validator with one hook for the whole API: a bad request is a 400 whose body names
 * every bad field (`abortEarly` off), e.g. `{"error":"invalid_request","issues":[{"field":"period",...}]}`.
 */
import { vValidator } from "@hono/valibot-validator";
import type { ValidationTargets } from "hono";
import type * as v from "valibot";
import { ApiError, type IssueBody } from "./api-error.ts";

export function describeIssues(issues: readonly v.BaseIssue<unknown>[], target: string): IssueBody[] {
  return issues.map((issue) => {
    const path = issue.path?.map((item) => String(item.key)).join(".");
    const unknownKey = issue.type.startsWith("strict_") && issue.expected === "never";
    return {
      field: path || `(${target})`,
      message: unknownKey ? "unknown field" : issue.message,
    };
  });
}

export function validate<T extends v.GenericSchema, Target extends keyof ValidationTargets>(
  target: Target,
  schema: T,
) {
  return vValidator(target, schema, (result) => {
    if (!result.success) {
      throw new ApiError(400, "invalid_request", `invalid ${target}`, describeIssues(result.issues, target));
    }
  });
}
