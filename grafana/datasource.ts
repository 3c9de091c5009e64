/**
 * Grafana reaches QuestDB through Grafana's core PostgreSQL data source over QuestDB's PG wire (8812).
 * Why not the QuestDB plugin: the postgres data source ships inside Grafana (no plugin download at
 * start-up, so Grafana works in air-gapped Minikube and offline compose), it supports alerting, and
 * its macros ($__timeFilter, ...) expand to plain SQL that QuestDB accepts. Panel SQL is written in
 * QuestDB's dialect (SAMPLE BY, LATEST ON), which the data source passes through untouched.
 */

/** The data source every panel and alert rule points at (uid is fixed so provisioned files agree). */
export const QUESTDB_DATASOURCE = { type: "grafana-postgresql-datasource", uid: "questdb" } as const;

/** Host:port of QuestDB's PG wire as Grafana sees it: the `questdb` service in compose and in k8s. */
export const QUESTDB_PG_ADDRESS = "questdb:8812";

/** `provisioning/datasources/questdb.yaml` (Grafana's data source provisioning format, apiVersion 1). */
export function datasourceProvisioning() {
  return {
    apiVersion: 1,
    datasources: [
      {
        name: "QuestDB",
        uid: QUESTDB_DATASOURCE.uid,
        type: QUESTDB_DATASOURCE.type,
        access: "proxy",
        url: QUESTDB_PG_ADDRESS,
        // QuestDB's read-only PG user (pg.readonly.user.*): dashboards and alerts only read, so a
        // leaked Grafana credential cannot write or drop tables. Both come from Grafana's environment.
        user: "$QUESTDB_READONLY_USER",
        isDefault: true,
        editable: false,
        jsonData: {
          database: "qdb",
          sslmode: "disable",
          // QuestDB speaks the PG 12 wire protocol subset; TimescaleDB functions do not exist there.
          postgresVersion: 1200,
          timescaledb: false,
          timeInterval: "1m",
          maxOpenConns: 10,
        },
        secureJsonData: { password: "$QUESTDB_READONLY_PASSWORD" },
      },
    ],
  };
}
