/**
 * `shamdan notify --test` end to end: the real CLI against local stand-ins of Telegram, Bale, Slack
 * and a webhook, one delivering, the others refusing, failing or hanging; per channel "delivered" or
 * the error; exit codes; the token nowhere in the output.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { runCli } from "../testing/run-cli.ts";

const TOKEN = "555000111:AAE-the_secret_part";
const servers: Array<ReturnType<typeof Bun.serve>> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop(true);
});

function standIn(answer: (req: Request, body: Record<string, unknown>) => Response | Promise<Response>) {
  const received: Array<{ path: string; body: Record<string, unknown> }> = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const body = (await req.json()) as Record<string, unknown>;
      received.push({ path: new URL(req.url).pathname, body });
      return answer(req, body);
    },
  });
  servers.push(server);
  return { url: server.url.href.replace(/\/$/, ""), received };
}

const notify = (args: string[], env: Record<string, string>) => runCli(["notify", ...args], { env });

describe("shamdan notify --test", () => {
  test("one test message per configured channel; per channel delivered or the error", async () => {
    const telegram = standIn(() => Response.json({ ok: true, result: {} }));
    const bale = standIn(() =>
      Response.json({ ok: false, error_code: 401, description: "Unauthorized" }, { status: 401 }),
    );
    const webhook = standIn(() => new Response("boom", { status: 500 }));
    const slack = standIn(() => new Promise<Response>(() => {}));
    const { stdout, stderr, code } = await notify(["--test"], {
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_CHAT_ID: "-1001",
      TELEGRAM_API_URL: telegram.url,
      BALE_BOT_TOKEN: TOKEN,
      BALE_CHAT_ID: "77",
      BALE_API_URL: bale.url,
      WEBHOOK_URL: `${webhook.url}/hook`,
      SLACK_WEBHOOK_URL: `${slack.url}/services/T/B/slacksecret`,
      NOTIFY_TIMEOUT_MS: "500",
    });
    expect(code).toBe(1);
    expect(stdout.trimEnd().split("\n")).toEqual([
      "slack     failed: Slack did not answer in time",
      "telegram  delivered",
      'bale      failed: Bale answered HTTP 401: {"ok":false,"error_code":401,"description":"Unauthorized"}',
      "webhook   failed: the webhook answered HTTP 500: boom",
    ]);
    expect(`${stdout}${stderr}`).not.toContain("the_secret_part");
    expect(`${stdout}${stderr}`).not.toContain("slacksecret");
    // Each service got exactly one test message, at the right address.
    expect(telegram.received).toEqual([
      {
        path: `/bot${TOKEN}/sendMessage`,
        body: {
          chat_id: "-1001",
          text: "Shamdan test message: the telegram channel is set up correctly.",
          disable_web_page_preview: true,
        },
      },
    ]);
    expect(bale.received.map((r) => r.path)).toEqual([`/bot${TOKEN}/sendMessage`]);
    expect(webhook.received.map((r) => r.body)).toEqual([
      { type: "test", text: "Shamdan test message: the webhook channel is set up correctly." },
    ]);
    expect(slack.received.length).toBe(1);
  });

  test("all delivered: exit 0; Persian with NOTIFY_LANG=fa", async () => {
    const telegram = standIn(() => Response.json({ ok: true, result: {} }));
    const { stdout, code } = await notify(["--test"], {
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_CHAT_ID: "1",
      TELEGRAM_API_URL: telegram.url,
      NOTIFY_LANG: "fa",
    });
    expect(code).toBe(0);
    expect(stdout).toBe("telegram  delivered\n");
    expect(telegram.received[0]?.body.text).toBe("پیام آزمایشی شمعدان: کانال telegram درست تنظیم شده است.");
  });

  test("no channel configured, or a token without its chat: exit 2 and one line", async () => {
    const none = await notify(["--test"], {});
    expect(none.code).toBe(2);
    expect(none.stdout).toBe("");
    expect(none.stderr).toStartWith("shamdan notify: no notification channel configured");
    expect(none.stderr.trimEnd().split("\n").length).toBe(1);

    const half = await notify(["--test"], { TELEGRAM_BOT_TOKEN: TOKEN });
    expect(half.code).toBe(2);
    expect(half.stderr).toContain("TELEGRAM_CHAT_ID: required with TELEGRAM_BOT_TOKEN");
    expect(half.stderr).not.toContain("the_secret_part");
  });
});
