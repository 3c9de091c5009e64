/**
 * compose.yaml, Dockerfile and k8s/ stay in step with the code: every environment name they give a
 * Shamdan service is a key of shared/config.ts's schema, the processor runs 2 replicas, and the
 * minikube overlay builds. `kubectl kustomize` (or `kustomize build`) renders the overlay when one
 * is installed; otherwise the same checks run on the base files parsed with Bun.YAML.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigSchema } from "@shamdan/shared/config";

const root = join(import.meta.dir, "..");
const configNames = new Set(Object.keys(ConfigSchema.entries));
const SERVICES = ["ingest", "processor", "sink", "api"] as const;
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, whose shape the tests check.
type Doc = Record<string, any>;

const read = (path: string) => readFileSync(join(root, path), "utf8");

describe("compose.yaml", () => {
  const compose = Bun.YAML.parse(read("compose.yaml")) as Doc;

  test("runs kafka, questdb, grafana and the four services", () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      "api",
      "grafana",
      "ingest",
      "kafka",
      "processor",
      "questdb",
      "sink",
    ]);
    expect(compose.services.kafka.image).toStartWith("apache/kafka:4.");
    expect(compose.services.questdb.image).toBe("questdb/questdb:9.3.4");
    expect(compose.services.grafana.image).toStartWith("grafana/grafana-oss:");
    expect(compose.services.grafana.volumes).toContain("./grafana/provisioning:/etc/grafana/provisioning:ro");
  });

  test("services: one image, their command, a healthcheck, healthy dependencies", () => {
    for (const name of SERVICES) {
      const s = compose.services[name];
      expect(s.build).toBe(".");
      expect(s.image).toBe("shamdan:local");
      expect(s.command).toEqual([name]);
      expect(s.healthcheck?.test?.length).toBeGreaterThan(0);
      for (const [dep, cond] of Object.entries(s.depends_on as Record<string, { condition: string }>)) {
        expect(cond.condition).toBe("service_healthy");
        expect(compose.services[dep]?.healthcheck).toBeDefined();
      }
    }
    expect(compose.services.processor.deploy.replicas).toBe(2);
  });

  test("service environment uses only names of the config schema", () => {
    for (const name of SERVICES) {
      const unknown = Object.keys(compose.services[name].environment).filter((k) => !configNames.has(k));
      expect({ service: name, unknown }).toEqual({ service: name, unknown: [] });
    }
  });
});

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile");
  const pkg = JSON.parse(read("package.json")) as { engines: { bun: string } };

  test("bun base image pinned to the project's Bun, production install from the lockfile", () => {
    expect(dockerfile).toContain(`FROM oven/bun:${pkg.engines.bun}`);
    expect(dockerfile).toContain("bun install --frozen-lockfile --production");
    expect(dockerfile).toContain('ENTRYPOINT ["bun", "cli/main.ts"]');
  });

  test("copies every workspace's manifest before installing", () => {
    const workspaces = (JSON.parse(read("package.json")) as { workspaces: string[] }).workspaces;
    for (const w of workspaces) expect(dockerfile).toContain(`COPY ${w}/package.json ${w}/`);
  });
});

/** kubectl's built-in kustomize, or a standalone kustomize; undefined when neither is installed. */
function kustomizeBuild(dir: string): Doc[] | undefined {
  const kubectl = Bun.which("kubectl");
  const kustomize = Bun.which("kustomize");
  const cmd = kubectl ? [kubectl, "kustomize", dir] : kustomize ? [kustomize, "build", dir] : undefined;
  if (!cmd) return undefined;
  const out = Bun.spawnSync(cmd, { stderr: "pipe" });
  if (out.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed: ${out.stderr.toString()}`);
  return out.stdout
    .toString()
    .split(/^---$/m)
    .map((d) => Bun.YAML.parse(d) as Doc)
    .filter(Boolean);
}

/** Without kustomize: the base's resources plus its generated ConfigMaps (unhashed names). */
function baseDocs(): Doc[] {
  const k = Bun.YAML.parse(read("k8s/base/kustomization.yaml")) as Doc;
  const docs: Doc[] = (k.resources as string[]).flatMap((f) =>
    read(`k8s/base/${f}`)
      .split(/^---$/m)
      .map((d) => Bun.YAML.parse(d) as Doc)
      .filter(Boolean),
  );
  for (const g of k.configMapGenerator as Doc[]) {
    const data: Record<string, string> = {};
    for (const l of (g.literals ?? []) as string[])
      data[l.slice(0, l.indexOf("="))] = l.slice(l.indexOf("=") + 1);
    for (const f of (g.files ?? []) as string[]) data[f.split("/").pop() ?? f] = read(`k8s/base/${f}`);
    docs.push({ kind: "ConfigMap", metadata: { name: g.name }, data });
  }
  return docs;
}

describe("k8s minikube overlay", () => {
  const built = kustomizeBuild(join(root, "k8s", "overlays", "minikube"));
  const docs = built ?? baseDocs();
  const find = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata?.name === name);
  const configMap = (prefix: string) =>
    docs.find(
      (d) =>
        d.kind === "ConfigMap" &&
        (d.metadata.name === prefix || String(d.metadata.name).startsWith(`${prefix}-`)),
    );

  test("every file the kustomization names exists", () => {
    const k = Bun.YAML.parse(read("k8s/base/kustomization.yaml")) as Doc;
    for (const f of k.resources as string[]) expect(existsSync(join(root, "k8s/base", f))).toBe(true);
    for (const g of k.configMapGenerator as Doc[])
      for (const f of (g.files ?? []) as string[]) expect(existsSync(join(root, "k8s/base", f))).toBe(true);
  });

  test("Deployments for the four services (processor x2), StatefulSets with PVCs for kafka and questdb", () => {
    for (const name of SERVICES) {
      const d = find("Deployment", name);
      expect(d?.spec.template.spec.containers[0].args).toEqual([name]);
      expect(find("Service", name)).toBeDefined();
    }
    expect(find("Deployment", "processor")?.spec.replicas).toBe(2);
    for (const name of ["kafka", "questdb"])
      expect(find("StatefulSet", name)?.spec.volumeClaimTemplates?.length).toBe(1);
    expect(find("Deployment", "grafana")).toBeDefined();
  });

  test("probes: readiness on /readyz (the service can do its work), liveness on /healthz (it answers)", () => {
    for (const name of SERVICES) {
      const container = find("Deployment", name)?.spec.template.spec.containers[0];
      expect({ name, readiness: container?.readinessProbe?.httpGet?.path }).toEqual({
        name,
        readiness: "/readyz",
      });
      expect({ name, liveness: container?.livenessProbe?.httpGet?.path }).toEqual({
        name,
        liveness: "/healthz",
      });
    }
  });

  test("the ConfigMap holds only names of the config schema", () => {
    const unknown = Object.keys(configMap("shamdan-config")?.data ?? {}).filter((k) => !configNames.has(k));
    expect(unknown).toEqual([]);
    for (const name of SERVICES)
      for (const e of find("Deployment", name)?.spec.template.spec.containers[0].env ?? [])
        expect(configNames.has(e.name)).toBe(true);
  });

  test("Grafana mounts the provisioning ConfigMaps, which exist", () => {
    const volumes = find("Deployment", "grafana")?.spec.template.spec.volumes as Doc[];
    expect(volumes.map((v) => v.name).sort()).toEqual(["alerting", "dashboards", "datasources"]);
    for (const v of volumes)
      expect(docs.some((d) => d.kind === "ConfigMap" && d.metadata.name === v.configMap.name)).toBe(true);
    expect(Object.keys(configMap("grafana-alerting")?.data ?? {}).sort()).toEqual([
      "contact-points.yaml",
      "policies.yaml",
      "rules.yaml",
    ]);
  });

  test("minikube: local image never pulled, NodePorts for api and grafana", () => {
    if (!built) {
      // The patches live in the overlay; without kustomize, check that they target these objects.
      const overlay = read("k8s/overlays/minikube/kustomization.yaml");
      for (const s of ["imagePullPolicy", "value: Never", "name: api", "name: grafana", "NodePort"])
        expect(overlay).toContain(s);
      return;
    }
    for (const name of SERVICES)
      expect(find("Deployment", name)?.spec.template.spec.containers[0].imagePullPolicy).toBe("Never");
    for (const name of ["api", "grafana"]) expect(find("Service", name)?.spec.type).toBe("NodePort");
  });
});
