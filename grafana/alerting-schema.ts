/**
 * valibot schemas mirroring Grafana's file-provisioning formats, so generated files are checked
 * before a Grafana ever reads them. Sources:
 * - docs: grafana/grafana docs/sources/alerting/set-up/provision-alerting-resources/file-provisioning/index.md
 *   (rule groups, contact points, notification policies: required fields marked `<..., required>`)
 * - code: grafana/grafana pkg/services/provisioning/alerting/rules_types.go (AlertRuleGroupV1,
 *   AlertRuleV1, QueryV1: title/uid/condition/data required, for/interval are Prometheus durations,
 *   noDataState NoData|Alerting|OK, execErrState Error|Alerting|OK)
 * - docs: administration/provisioning (data sources `apiVersion: 1, datasources`, dashboard providers).
 */
import * as v from "valibot";

const duration = v.pipe(v.string(), v.regex(/^(\d+(ms|s|m|h|d|w|y))+$/, "Prometheus duration, e.g. 1m, 4h"));
const uid = v.pipe(v.string(), v.regex(/^[a-zA-Z0-9_-]{1,40}$/, "uid: 1-40 of [a-zA-Z0-9_-]"));
const refId = v.pipe(v.string(), v.minLength(1));
const noDollar = v.pipe(
  v.string(),
  v.check((s) => !s.includes("$"), "labels are env-interpolated: no $"),
);

const Query = v.strictObject({
  refId,
  queryType: v.optional(v.string()),
  relativeTimeRange: v.strictObject({
    from: v.pipe(v.number(), v.minValue(0)),
    to: v.pipe(v.number(), v.minValue(0)),
  }),
  datasourceUid: v.pipe(v.string(), v.minLength(1)),
  model: v.looseObject({ refId }),
});

const Rule = v.pipe(
  v.strictObject({
    uid,
    title: v.pipe(v.string(), v.minLength(1)),
    condition: refId,
    data: v.pipe(v.array(Query), v.minLength(1)),
    dashboardUid: v.optional(v.string()),
    panelId: v.optional(v.pipe(v.number(), v.integer())),
    noDataState: v.optional(v.picklist(["NoData", "Alerting", "OK", "KeepLast"])),
    execErrState: v.optional(v.picklist(["Error", "Alerting", "OK", "KeepLast"])),
    for: duration,
    annotations: v.optional(v.record(v.string(), v.string())),
    labels: v.optional(v.record(v.string(), noDollar)),
    isPaused: v.optional(v.boolean()),
  }),
  v.check((r) => r.data.some((q) => q.refId === r.condition), "condition must name one of the data refIds"),
);

export const RulesFileSchema = v.strictObject({
  apiVersion: v.literal(1),
  groups: v.pipe(
    v.array(
      v.strictObject({
        orgId: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
        name: v.pipe(v.string(), v.minLength(1)),
        folder: v.pipe(v.string(), v.minLength(1)),
        interval: duration,
        rules: v.pipe(v.array(Rule), v.minLength(1)),
      }),
    ),
    v.minLength(1),
  ),
});

export const ContactPointsFileSchema = v.strictObject({
  apiVersion: v.literal(1),
  contactPoints: v.array(
    v.strictObject({
      orgId: v.optional(v.number()),
      name: v.pipe(v.string(), v.minLength(1)),
      receivers: v.pipe(
        v.array(
          v.strictObject({
            uid,
            type: v.pipe(v.string(), v.minLength(1)),
            disableResolveMessage: v.optional(v.boolean()),
            // Slack needs a webhook `url` or a `token` + `recipient` (docs: "Slack" settings).
            settings: v.looseObject({ url: v.optional(v.string()), token: v.optional(v.string()) }),
          }),
        ),
        v.minLength(1),
      ),
    }),
  ),
});

type Route = {
  receiver?: string;
  group_by?: string[];
  matchers?: string[];
  object_matchers?: [string, "=" | "!=" | "=~" | "!~", string][];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  continue?: boolean;
  routes?: Route[];
};
const routeEntries = {
  receiver: v.optional(v.string()),
  group_by: v.optional(v.array(v.string())),
  matchers: v.optional(v.array(v.string())),
  object_matchers: v.optional(
    v.array(v.tuple([v.string(), v.picklist(["=", "!=", "=~", "!~"]), v.string()])),
  ),
  group_wait: v.optional(duration),
  group_interval: v.optional(duration),
  repeat_interval: v.optional(duration),
  continue: v.optional(v.boolean()),
  routes: v.optional(v.array(v.lazy((): v.GenericSchema<Route> => RouteSchema))),
};
const RouteSchema: v.GenericSchema<Route> = v.strictObject(routeEntries);

export const PoliciesFileSchema = v.strictObject({
  apiVersion: v.literal(1),
  // The root policy: its receiver is required, it may not have matchers (docs: notification policies).
  policies: v.array(v.strictObject({ ...routeEntries, orgId: v.optional(v.number()), receiver: v.string() })),
});

export const DatasourcesFileSchema = v.strictObject({
  apiVersion: v.literal(1),
  datasources: v.array(
    v.looseObject({
      name: v.string(),
      type: v.string(),
      uid: v.optional(uid),
      access: v.optional(v.picklist(["proxy", "direct"])),
      url: v.optional(v.string()),
      jsonData: v.optional(v.record(v.string(), v.unknown())),
      secureJsonData: v.optional(v.record(v.string(), v.string())),
    }),
  ),
});

export const DashboardProvidersFileSchema = v.strictObject({
  apiVersion: v.literal(1),
  providers: v.array(
    v.looseObject({
      name: v.string(),
      type: v.literal("file"),
      folder: v.optional(v.string()),
      options: v.looseObject({ path: v.pipe(v.string(), v.startsWith("/")) }),
    }),
  ),
});
