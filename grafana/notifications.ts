/**
 * Where alerts go: one Slack contact point (incoming webhook) and the notification policy routing
 * every Shamdan alert to it. Contact-point settings ARE env-interpolated by Grafana's provisioning,
 * so `$SLACK_WEBHOOK_URL` is read from Grafana's environment at start-up (no secret in git); for the
 * same reason the settings hold no other `$` (Slack's default title/text templates are used).
 */
export const SLACK_CONTACT_POINT = "shamdan-slack";

export function contactPoints() {
  return {
    apiVersion: 1,
    contactPoints: [
      {
        orgId: 1,
        name: SLACK_CONTACT_POINT,
        receivers: [
          {
            uid: "shamdan-slack",
            type: "slack",
            disableResolveMessage: false,
            settings: { url: "$SLACK_WEBHOOK_URL", username: "Shamdan" },
          },
        ],
      },
    ],
  };
}

export function notificationPolicies() {
  return {
    apiVersion: 1,
    policies: [
      {
        orgId: 1,
        receiver: SLACK_CONTACT_POINT,
        // One notification per symbol and rule: a BUY on BTCIRT never waits for ETHIRT.
        group_by: ["alertname", "stock_symbol"],
        group_wait: "10s",
        group_interval: "1m",
        repeat_interval: "4h",
        routes: [
          // Signal changes are news, not incidents: say it once, do not repeat.
          { receiver: SLACK_CONTACT_POINT, matchers: ["kind = signal"], repeat_interval: "1y" },
        ],
      },
    ],
  };
}
