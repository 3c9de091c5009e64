/**
 * Policy checks over the objects `kubectl apply -k k8s/overlays/minikube` creates, rendered by the
 * pinned kustomize that .ci/deploy-checks builds (or kustomize / kubectl on PATH): resources, pod and
 * container security, probes, the processor's disruption budget, headless Services, NetworkPolicies
 * (evaluated, not just listed), Secrets, NodePorts, the read-only data source, and Grafana starting
 * with or without a Slack webhook. The schemas themselves are checked by .ci/deploy-checks.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ConfigSchema, loadConfig } from "@shamdan/shared/core/config";
import { SLACK_DISABLED_URL } from "./notifications.ts";
import { provisioningFiles } from "./provisioning.ts";

const root = join(import.meta.dir, "..");
const configNames = new Set(Object.keys(ConfigSchema.entries));
const SERVICES = ["ingest", "processor", "sink", "api", "notify"] as const;
const PORTS = { ingest: 9101, processor: 9102, sink: 9103, api: 3000, notify: 9104 } as const;
// biome-ignore lint/suspicious/noExplicitAny: rendered YAML, whose shape the tests check.
type Doc = Record<string, any>;

const read = (path: string) => readFileSync(join(root, path), "utf8");

/** The kustomize .ci/deploy-checks builds (the version it pins), else one on PATH. */
function renderer(): string[] {
  const version = read(".ci/deploy-checks").match(/^KUSTOMIZE_VERSION=(\S+)$/m)?.[1];
  const pinned = resolve(
    root,
    process.env.SHAMDAN_HOME ?? ".shamdan",
    "tools",
    `kustomize-${version}`,
    "kustomize",
  );
  if (existsSync(pinned)) return [pinned, "build"];
  const kustomize = Bun.which("kustomize");
  if (kustomize) return [kustomize, "build"];
  const kubectl = Bun.which("kubectl");
  if (kubectl) return [kubectl, "kustomize"];
  throw new Error("no kustomize: run .ci/deploy-checks once (it builds the pinned one), or install kubectl");
}

function render(dir: string): Doc[] {
  const cmd = [...renderer(), dir];
  const out = Bun.spawnSync(cmd, { stderr: "pipe" });
  if (out.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed: ${out.stderr.toString()}`);
  return out.stdout
    .toString()
    .split(/^---$/m)
    .map((d) => Bun.YAML.parse(d) as Doc)
    .filter(Boolean);
}

const docs = render(join(root, "k8s", "overlays", "minikube"));
const find = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata?.name === name);
const byPrefix = (kind: string, prefix: string) =>
  docs.find(
    (d) => d.kind === kind && (d.metadata.name === prefix || d.metadata.name.startsWith(`${prefix}-`)),
  );
const workloads = docs.filter((d) => d.kind === "Deployment" || d.kind === "StatefulSet");
const podOf = (w: Doc) => w.spec.template.spec as Doc;
const allContainers = (w: Doc) => [...(podOf(w).initContainers ?? []), ...podOf(w).containers] as Doc[];
const container = (name: string) =>
  podOf(find("Deployment", name) ?? find("StatefulSet", name) ?? {})?.containers[0];
const labelsMatch = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe("rendered objects", () => {
  test("every file the kustomization names exists", () => {
    const k = Bun.YAML.parse(read("k8s/base/kustomization.yaml")) as Doc;
    for (const f of k.resources as string[]) expect(existsSync(join(root, "k8s/base", f))).toBe(true);
    for (const g of k.configMapGenerator as Doc[])
      for (const f of (g.files ?? []) as string[]) expect(existsSync(join(root, "k8s/base", f))).toBe(true);
  });

  test("Deployments for the five services (processor x2, notify 0 until a channel is set), StatefulSets with PVCs for kafka and questdb", () => {
    for (const name of SERVICES) {
      expect(find("Deployment", name)?.spec.template.spec.containers[0].args).toEqual([name]);
      expect(find("Service", name)).toBeDefined();
    }
    expect(find("Deployment", "processor")?.spec.replicas).toBe(2);
    // Without a channel `notify` exits: it runs once the operator has set one and scaled it up.
    expect(find("Deployment", "notify")?.spec.replicas).toBe(0);
    for (const name of ["kafka", "questdb"])
      expect(find("StatefulSet", name)?.spec.volumeClaimTemplates?.length).toBe(1);
    expect(find("Deployment", "grafana")).toBeDefined();
  });

  test("the ConfigMap holds only names of the config schema, and no credentials", () => {
    const data = byPrefix("ConfigMap", "shamdan-config")?.data ?? {};
    expect(Object.keys(data).filter((k) => !configNames.has(k))).toEqual([]);
    expect(Object.keys(data)).not.toContain("QUESTDB_PG_URL");
    expect(Object.keys(data)).not.toContain("API_TOKEN");
    for (const name of SERVICES)
      for (const e of container(name)?.env ?? []) expect(configNames.has(e.name)).toBe(true);
  });

  test("Grafana mounts the provisioning ConfigMaps, which hold every generated file", () => {
    const volumes = (podOf(find("Deployment", "grafana") ?? {}).volumes as Doc[]).filter((v) => v.configMap);
    expect(volumes.map((v) => v.name).sort()).toEqual(["alerting", "dashboards", "datasources"]);
    const files = Object.keys(provisioningFiles(loadConfig({})));
    for (const v of volumes) {
      const cm = docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === v.configMap.name);
      expect(cm).toBeDefined();
      const want = files.filter((f) => f.startsWith(`${v.name}/`)).map((f) => f.slice(v.name.length + 1));
      expect(Object.keys(cm?.data ?? {}).sort()).toEqual(want.sort());
    }
  });
});

describe("pods and containers", () => {
  test("every container, init containers included, has CPU and memory requests and limits", () => {
    for (const w of workloads)
      for (const c of allContainers(w)) {
        const r = c.resources ?? {};
        expect({
          pod: w.metadata.name,
          c: c.name,
          r: [r.requests?.cpu, r.requests?.memory, r.limits?.cpu, r.limits?.memory].every(Boolean),
        }).toEqual({ pod: w.metadata.name, c: c.name, r: true });
      }
  });

  test("numeric non-root UID, RuntimeDefault seccomp, fsGroup, no service-account token", () => {
    for (const w of workloads) {
      const pod = podOf(w);
      const sc = pod.securityContext ?? {};
      expect({
        pod: w.metadata.name,
        sc: [sc.runAsNonRoot, sc.seccompProfile?.type, pod.automountServiceAccountToken],
      }).toEqual({ pod: w.metadata.name, sc: [true, "RuntimeDefault", false] });
      expect(Number.isInteger(sc.runAsUser) && sc.runAsUser > 0).toBe(true);
      expect(Number.isInteger(sc.fsGroup)).toBe(true);
    }
  });

  test("read-only root filesystem, no privilege escalation, all capabilities dropped", () => {
    for (const w of workloads)
      for (const c of allContainers(w)) {
        const sc = c.securityContext ?? {};
        expect({
          c: c.name,
          sc: [sc.readOnlyRootFilesystem, sc.allowPrivilegeEscalation, sc.capabilities?.drop],
        }).toEqual({ c: c.name, sc: [true, false, ["ALL"]] });
        expect(sc.capabilities?.add).toBeUndefined();
        expect(sc.privileged).not.toBe(true);
      }
  });

  test("every mount names a volume of its pod; the only writable ones are emptyDirs and PVCs", () => {
    for (const w of workloads) {
      const volumes = new Map<string, Doc>((podOf(w).volumes ?? []).map((v: Doc) => [v.name, v]));
      const claims = new Set((w.spec.volumeClaimTemplates ?? []).map((c: Doc) => c.metadata.name));
      for (const c of allContainers(w))
        for (const m of c.volumeMounts ?? []) {
          const v = volumes.get(m.name);
          expect({ mount: m.name, ok: claims.has(m.name) || Boolean(v?.emptyDir || v?.configMap) }).toEqual({
            mount: m.name,
            ok: true,
          });
        }
    }
  });

  test("the services: readiness on /readyz, liveness on /healthz, on their health ports", () => {
    for (const name of SERVICES) {
      const c = container(name);
      expect({ name, ready: c?.readinessProbe?.httpGet, live: c?.livenessProbe?.httpGet }).toEqual({
        name,
        ready: { path: "/readyz", port: PORTS[name] },
        live: { path: "/healthz", port: PORTS[name] },
      });
    }
  });

  test("Kafka, QuestDB and Grafana: startup, readiness and liveness probes", () => {
    for (const name of ["kafka", "questdb", "grafana"]) {
      const c = container(name);
      for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"])
        expect(c?.[probe]).toBeDefined();
      // The startup probe gives a slow start at least two minutes before liveness may restart it.
      const s = c?.startupProbe;
      expect((s?.periodSeconds ?? 10) * (s?.failureThreshold ?? 3)).toBeGreaterThanOrEqual(120);
    }
  });

  test("a PodDisruptionBudget keeps at least one processor", () => {
    const pdb = docs.find((d) => d.kind === "PodDisruptionBudget");
    expect(pdb?.spec.minAvailable).toBeGreaterThanOrEqual(1);
    expect(
      labelsMatch(
        pdb?.spec.selector.matchLabels,
        find("Deployment", "processor")?.spec.template.metadata.labels,
      ),
    ).toBe(true);
  });

  test("every StatefulSet's serviceName is a headless Service selecting its pods", () => {
    for (const s of docs.filter((d) => d.kind === "StatefulSet")) {
      const svc = find("Service", s.spec.serviceName);
      expect({ sts: s.metadata.name, headless: svc?.spec.clusterIP }).toEqual({
        sts: s.metadata.name,
        headless: "None",
      });
      expect(labelsMatch(svc?.spec.selector, s.spec.template.metadata.labels)).toBe(true);
    }
  });

  test("minikube: the local image is never pulled; Grafana on NodePort 30300, the API on another", () => {
    for (const name of SERVICES) expect(container(name)?.imagePullPolicy).toBe("Never");
    expect(find("Service", "grafana")?.spec).toMatchObject({
      type: "NodePort",
      ports: [{ nodePort: 30300 }],
    });
    const api = find("Service", "api")?.spec;
    expect(api?.type).toBe("NodePort");
    expect(api?.ports[0].nodePort).not.toBe(30300);
  });
});

describe("Secrets", () => {
  const envOf = (name: string) =>
    Object.fromEntries((container(name)?.env ?? []).map((e: Doc) => [e.name, e]));
  const secretRef = (e: Doc | undefined) => e?.valueFrom?.secretKeyRef;

  test("credentials come from Secrets: QuestDB's accounts, the PG URL, API_TOKEN, Grafana's admin", () => {
    for (const name of ["sink", "api"]) expect(secretRef(envOf(name).QUESTDB_PG_URL)).toBeDefined();
    expect(secretRef(envOf("api").API_TOKEN)?.key).toBe("API_TOKEN");
    for (const key of ["QDB_PG_PASSWORD", "QDB_PG_READONLY_PASSWORD"])
      expect(secretRef(envOf("questdb")[key])).toBeDefined();
    expect(secretRef(envOf("grafana").GF_SECURITY_ADMIN_PASSWORD)).toBeDefined();
    const slack = secretRef(envOf("grafana").SLACK_WEBHOOK_URL);
    expect(slack?.name).toStartWith("shamdan-slack");
    // Optional: an operator who manages Secrets without the overlay may leave it out.
    expect(slack?.optional).toBe(true);
    // notify's channels: every token, chat and webhook from the optional shamdan-notify Secret.
    const notify = envOf("notify");
    for (const key of [
      "TELEGRAM_BOT_TOKEN",
      "TELEGRAM_CHAT_ID",
      "BALE_BOT_TOKEN",
      "BALE_CHAT_ID",
      "WEBHOOK_URL",
    ]) {
      expect(secretRef(notify[key])?.name).toStartWith("shamdan-notify");
      expect(secretRef(notify[key])?.optional).toBe(true);
    }
    // No container carries a literal password.
    for (const w of workloads)
      for (const c of allContainers(w))
        for (const e of c.env ?? [])
          if (/PASSWORD|TOKEN|PG_URL|WEBHOOK/.test(e.name)) expect(e.value).toBeUndefined();
  });

  test("every Secret a pod needs exists, except the optional Slack one", () => {
    for (const w of workloads)
      for (const c of allContainers(w))
        for (const e of c.env ?? []) {
          const ref = secretRef(e);
          if (!ref || ref.optional) continue;
          const secret = find("Secret", ref.name);
          expect({ secret: ref.name, key: ref.key, found: secret?.data?.[ref.key] !== undefined }).toEqual({
            secret: ref.name,
            key: ref.key,
            found: true,
          });
        }
  });

  test("the example Secrets hold example values only: placeholders, and no Slack URL", () => {
    const dir = join(root, "k8s/overlays/minikube/secrets");
    const entries = readdirSync(dir).flatMap((file) =>
      read(`k8s/overlays/minikube/secrets/${file}`)
        .split("\n")
        .filter((line) => line.includes("=") && !line.startsWith("#"))
        .map((line) => ({
          file,
          key: line.slice(0, line.indexOf("=")),
          value: line.slice(line.indexOf("=") + 1),
        })),
    );
    const secretKeys = entries.filter((e) => /PASSWORD|TOKEN|PG_URL|password/.test(e.key));
    expect(secretKeys.length).toBeGreaterThanOrEqual(5);
    for (const e of secretKeys)
      expect(e).toEqual({ ...e, value: expect.stringContaining("example-change-me") });
    expect(entries.find((e) => e.key === "SLACK_WEBHOOK_URL")?.value).toBe("");
  });

  test("Grafana reads with QuestDB's read-only user: the same Secret QuestDB enables it from", () => {
    const grafana = envOf("grafana");
    const questdb = envOf("questdb");
    expect(questdb.QDB_PG_READONLY_USER_ENABLED?.value).toBe("true");
    expect(secretRef(grafana.QUESTDB_READONLY_USER)).toEqual(secretRef(questdb.QDB_PG_READONLY_USER));
    expect(secretRef(grafana.QUESTDB_READONLY_PASSWORD)).toEqual(secretRef(questdb.QDB_PG_READONLY_PASSWORD));
  });
});

describe("Grafana with and without a Slack webhook", () => {
  /** Runs Grafana's container command with `exec /run.sh` replaced by printing the URL Grafana sees. */
  function slackUrlSeen(env: Record<string, string>): string {
    const [shell, flag, script] = (container("grafana")?.command ?? []) as string[];
    expect(script).toEndWith("exec /run.sh");
    const out = Bun.spawnSync(
      [shell ?? "", flag ?? "", (script ?? "").replace("exec /run.sh", 'printf %s "$SLACK_WEBHOOK_URL"')],
      {
        env: { PATH: process.env.PATH ?? "", ...env },
      },
    );
    return out.stdout.toString();
  }
  // Grafana's provisioning expands $NAME / ${NAME} in contact-point settings from its environment.
  const expand = (text: string, env: Record<string, string>) =>
    text.replace(/\$\{?([A-Z_][A-Z0-9_]*)\}?/g, (_, name: string) => env[name] ?? "");
  const contactPoints = provisioningFiles(loadConfig({}))["alerting/contact-points.yaml"] ?? "";

  test("with the shamdan-slack Secret, both contact points post to that webhook", () => {
    const hook = "https://hooks.example/services/T/B/x";
    const url = slackUrlSeen({ SLACK_WEBHOOK_URL: hook });
    expect(url).toBe(hook);
    const urls = [...expand(contactPoints, { SLACK_WEBHOOK_URL: url }).matchAll(/url: (\S+)/g)].map(
      (m) => m[1],
    );
    expect(urls).toEqual([hook, hook]);
  });

  test("without it, they point at the discard port on Grafana's loopback, never at an empty URL", () => {
    for (const env of [{}, { SLACK_WEBHOOK_URL: "" }] as Record<string, string>[]) {
      const url = slackUrlSeen(env);
      expect(url).toBe(SLACK_DISABLED_URL);
      const urls = [...expand(contactPoints, { SLACK_WEBHOOK_URL: url }).matchAll(/url: (\S+)/g)].map(
        (m) => m[1],
      );
      expect(urls).toEqual([SLACK_DISABLED_URL, SLACK_DISABLED_URL]);
      expect(new URL(url).hostname).toBe("127.0.0.1");
    }
  });
});

describe("NetworkPolicies: only the real flows", () => {
  type Endpoint = { app: string } | { external: true } | { dns: true };
  const policies = docs.filter((d) => d.kind === "NetworkPolicy");
  const labelsOf = (e: Endpoint): Record<string, string> | undefined =>
    "app" in e
      ? (find("Deployment", e.app) ?? find("StatefulSet", e.app))?.spec.template.metadata.labels
      : undefined;
  const selects = (selector: Doc | undefined, labels: Record<string, string>) =>
    labelsMatch(selector?.matchLabels ?? {}, labels) &&
    ((selector?.matchExpressions ?? []) as Doc[]).every(
      (x) => x.operator === "In" && (x.values as string[]).includes(labels[x.key] ?? ""),
    );
  const peerMatches = (peer: Doc, e: Endpoint) => {
    if ("dns" in e)
      return (
        peer.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "kube-system" &&
        peer.podSelector?.matchLabels?.["k8s-app"] === "kube-dns"
      );
    if ("external" in e) return peer.ipBlock?.cidr === "0.0.0.0/0";
    // A podSelector alone means pods of this namespace.
    return !peer.namespaceSelector && !peer.ipBlock && selects(peer.podSelector, labelsOf(e) ?? {});
  };
  const portMatches = (ports: Doc[] | undefined, port: number, protocol: string) =>
    !ports?.length || ports.some((p) => p.port === port && (p.protocol ?? "TCP") === protocol);
  /** Whether the policies selecting `side` let traffic to (Egress) or from (Ingress) `other` pass. */
  const direction = (
    side: Endpoint,
    other: Endpoint,
    type: "Ingress" | "Egress",
    port: number,
    protocol: string,
  ) => {
    if (!("app" in side)) return true;
    const labels = labelsOf(side) ?? {};
    const applying = policies.filter(
      (p) => selects(p.spec.podSelector, labels) && (p.spec.policyTypes as string[]).includes(type),
    );
    if (applying.length === 0) return true;
    const key = type === "Ingress" ? "ingress" : "egress";
    const peersKey = type === "Ingress" ? "from" : "to";
    return applying.some((p) =>
      ((p.spec[key] ?? []) as Doc[]).some(
        (rule) =>
          (!rule[peersKey] || (rule[peersKey] as Doc[]).some((peer) => peerMatches(peer, other))) &&
          portMatches(rule.ports, port, protocol),
      ),
    );
  };
  const allowed = (src: Endpoint, dst: Endpoint, port: number, protocol = "TCP") =>
    direction(src, dst, "Egress", port, protocol) && direction(dst, src, "Ingress", port, protocol);
  const name = (e: Endpoint) => ("app" in e ? e.app : "external" in e ? "outside" : "dns");
  const kafka = { app: "kafka" };
  const questdb = { app: "questdb" };
  const outside = { external: true } as const;

  test("a default deny covers every pod in both directions", () => {
    const deny = find("NetworkPolicy", "default-deny");
    expect(deny?.spec.podSelector).toEqual({});
    expect([...(deny?.spec.policyTypes ?? [])].sort()).toEqual(["Egress", "Ingress"]);
    expect(deny?.spec.ingress).toBeUndefined();
    expect(deny?.spec.egress).toBeUndefined();
  });

  const flows: [Endpoint, Endpoint, number][] = [
    [{ app: "ingest" }, kafka, 9092],
    [{ app: "ingest" }, outside, 443],
    [{ app: "processor" }, kafka, 9092],
    [{ app: "sink" }, kafka, 9092],
    [{ app: "sink" }, questdb, 9000],
    // The sink creates its table over PG wire at start-up.
    [{ app: "sink" }, questdb, 8812],
    [{ app: "api" }, questdb, 8812],
    [{ app: "api" }, kafka, 9092],
    [{ app: "grafana" }, questdb, 8812],
    [{ app: "grafana" }, outside, 443],
    [outside, { app: "api" }, 3000],
    [outside, { app: "grafana" }, 3000],
    [{ app: "notify" }, kafka, 9092],
    // Telegram's and Bale's Bot APIs, Slack, a webhook.
    [{ app: "notify" }, outside, 443],
  ];
  test("allowed: ingest -> Kafka and the exchange; processor -> Kafka; sink -> Kafka, QuestDB; api; Grafana", () => {
    for (const [src, dst, port] of flows)
      expect(`${name(src)} -> ${name(dst)}:${port} ${allowed(src, dst, port)}`).toBe(
        `${name(src)} -> ${name(dst)}:${port} true`,
      );
  });

  test("every pod resolves names through kube-dns, and nothing else on port 53", () => {
    for (const app of ["ingest", "processor", "sink", "api", "notify", "grafana", "kafka", "questdb"]) {
      expect(`${app} ${allowed({ app }, { dns: true }, 53, "UDP")}`).toBe(`${app} true`);
      expect(`${app} ${allowed({ app }, outside, 53, "UDP")}`).toBe(`${app} false`);
    }
  });

  const denied: [Endpoint, Endpoint, number][] = [
    [{ app: "processor" }, questdb, 8812],
    [{ app: "processor" }, outside, 443],
    [{ app: "sink" }, outside, 443],
    [{ app: "api" }, outside, 443],
    [{ app: "api" }, questdb, 9000],
    [{ app: "ingest" }, questdb, 8812],
    [{ app: "ingest" }, questdb, 9000],
    [{ app: "grafana" }, kafka, 9092],
    [{ app: "grafana" }, questdb, 9000],
    [{ app: "kafka" }, outside, 443],
    [{ app: "questdb" }, outside, 443],
    [{ app: "kafka" }, questdb, 8812],
    [outside, kafka, 9092],
    [outside, questdb, 8812],
    [outside, questdb, 9000],
    [outside, { app: "ingest" }, 9101],
    [{ app: "ingest" }, { app: "api" }, 3000],
    [{ app: "processor" }, { app: "sink" }, 9103],
    [{ app: "ingest" }, kafka, 9093],
    [{ app: "notify" }, questdb, 8812],
    [{ app: "notify" }, questdb, 9000],
    [outside, { app: "notify" }, 9104],
  ];
  test("denied: everything else (a sample of the tempting flows)", () => {
    for (const [src, dst, port] of denied)
      expect(`${name(src)} -> ${name(dst)}:${port} ${allowed(src, dst, port)}`).toBe(
        `${name(src)} -> ${name(dst)}:${port} false`,
      );
  });
});
