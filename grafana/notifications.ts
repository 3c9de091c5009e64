/**
 * Where alerts go. Two Slack contact points on the same incoming webhook:
 * - `shamdan-slack-signals`: signal changes, one message per change, no resolve message (a change is
 *   news, not an incident), in the embedded notifier's words (sink/slack-notifier.ts formatChange);
 * - `shamdan-slack`: health and RSI alerts, which also say when they are over.
 * Contact-point settings ARE env-interpolated by Grafana's provisioning, so `$SLACK_WEBHOOK_URL` is
 * read from Grafana's environment at start-up (no secret in git), and the templates use Go's dot
 * syntax only: no other `$`. With no webhook configured, compose and k8s set SLACK_WEBHOOK_URL to
 * SLACK_DISABLED_URL (Grafana refuses an empty Slack URL at start-up).
 */
import * as alerting from "@grafana/grafana-foundation-sdk/alerting";

export const SLACK_CONTACT_POINT = "shamdan-slack";
export const SLACK_SIGNALS_CONTACT_POINT = "shamdan-slack-signals";
/** Where notifications go when no webhook is set: the discard port on Grafana's own loopback. */
export const SLACK_DISABLED_URL = "http://127.0.0.1:9/slack-webhook-not-configured";

/**
 * One line per signal change, as formatChange writes it; the link opens the market dashboard on the
 * symbol (`.DashboardURL` already carries `?orgId=`).
 */
export const SIGNAL_MESSAGE_TEMPLATE =
  "{{ range .Alerts.Firing }}*{{ .Labels.stock_symbol }}* → *{{ .Labels.signal }}* at {{ .Labels.tehran_time }} (Asia/Tehran)" +
  " · close {{ .Labels.close }} · RSI {{ .Labels.rsi }} · <{{ .DashboardURL }}&var-symbol={{ .Labels.stock_symbol }}|chart>\n{{ end }}";

function slack(
  uid: string,
  name: string,
  disableResolveMessage: boolean,
  extra: Record<string, string> = {},
) {
  return new alerting.ContactPointBuilder()
    .uid(uid)
    .name(name)
    .type("slack")
    .disableResolveMessage(disableResolveMessage)
    .settings({ url: "$SLACK_WEBHOOK_URL", username: "Shamdan", ...extra })
    .build();
}

export function contactPoints() {
  const points = [
    slack(SLACK_SIGNALS_CONTACT_POINT, SLACK_SIGNALS_CONTACT_POINT, true, {
      title: "Shamdan signal",
      text: SIGNAL_MESSAGE_TEMPLATE,
    }),
    slack(SLACK_CONTACT_POINT, SLACK_CONTACT_POINT, false),
  ];
  return {
    apiVersion: 1,
    contactPoints: points.map(({ name, ...receiver }) => ({ orgId: 1, name, receivers: [receiver] })),
  };
}

export function notificationPolicies() {
  const policy = new alerting.NotificationPolicyBuilder()
    .receiver(SLACK_CONTACT_POINT)
    // One notification per symbol and rule: a BUY on BTCIRT never waits for ETHIRT.
    .groupBy(["alertname", "stock_symbol"])
    .groupWait("10s")
    .groupInterval("1m")
    .repeatInterval("4h")
    .routes([
      new alerting.NotificationPolicyBuilder()
        .receiver(SLACK_SIGNALS_CONTACT_POINT)
        .objectMatchers([["kind", "=", "signal"]])
        // Each change is its own alert instance (its fields are labels): say it once, never repeat.
        .repeatInterval("1y"),
    ])
    .build();
  return { apiVersion: 1, policies: [{ orgId: 1, ...policy }] };
}
