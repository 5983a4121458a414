// kubernetes_manifests_test: the manifests in deploy/kubernetes pass the
// schema check and the project's rules, and the validator is shown to catch
// what it claims to catch: broken documents made here in memory (a
// Deployment with replicas "two", an unknown kind, a container without a
// name, a YAML syntax error, a worker whose --cores and CPU disagree, a Role
// granting more than the provisioner uses) are refused.
//
//   node --test tests/kubernetes/validate.test.mjs

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  parseManifests,
  projectErrorsOf,
  schemaErrorOf,
  validateFolder,
} from "./validate.mjs";

const deployFolder = resolve(fileURLToPath(import.meta.url), "../../../deploy/kubernetes");

function shippedObjects() {
  const files = ["namespace.yaml", "secret.example.yaml", "storage.yaml", "redis.yaml",
    "rbac.yaml", "master.yaml", "worker.yaml"];
  return files.flatMap((f) => parseManifests(readFileSync(join(deployFolder, f), "utf8")));
}

test("every shipped manifest is valid", async () => {
  const lines = [];
  const failures = await validateFolder(deployFolder, (line) => lines.push(line));
  assert.equal(failures, 0, lines.filter((l) => l.startsWith("FAIL")).join("\n"));
  const checked = lines.map((l) => l.split(": ")[1]);
  for (const expected of [
    "v1 Namespace infaas",
    "apps/v1 StatefulSet infaas-redis",
    "v1 Service infaas-redis",
    "v1 Secret infaas-secrets",
    "v1 PersistentVolumeClaim infaas-shared",
    "v1 ServiceAccount infaas-master",
    "rbac.authorization.k8s.io/v1 Role infaas-provisioner",
    "rbac.authorization.k8s.io/v1 RoleBinding infaas-provisioner",
    "apps/v1 StatefulSet infaas-master",
    "v1 Service infaas-master",
    "v1 Service infaas-master-peers",
    "apps/v1 Deployment infaas-worker",
  ]) {
    assert.ok(checked.includes(expected), `${expected} was not checked`);
  }
});

const brokenDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: broken, namespace: infaas}
spec:
  replicas: two
  selector: {matchLabels: {app: broken}}
  template:
    metadata: {labels: {app: broken}}
    spec:
      containers: [{name: c, image: busybox}]
`;

test("a Deployment with replicas \"two\" is refused", async () => {
  const [deployment] = parseManifests(brokenDeployment);
  assert.match(await schemaErrorOf(deployment), /\/spec\/replicas must be integer/);
  deployment.spec.replicas = 2;
  assert.equal(await schemaErrorOf(deployment), null);
});

test("unknown kinds and apiVersions are refused", async () => {
  const meta = { name: "x", namespace: "infaas" };
  assert.match(await schemaErrorOf({ apiVersion: "apps/v1", kind: "Deploymnet", metadata: meta }),
    /unknown kind Deploymnet in apps\/v1/);
  assert.match(await schemaErrorOf({ apiVersion: "apps/v9", kind: "Deployment", metadata: meta }),
    /unknown apiVersion apps\/v9/);
  assert.match(await schemaErrorOf(["a", "list"]), /not a Kubernetes object/);
});

test("a container without a name and a port that is not a number are refused", async () => {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "infaas" },
    spec: { containers: [{ image: "busybox" }] },
  };
  assert.match(await schemaErrorOf(pod), /\/spec\/containers\/0 must have required property name/);
  const service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "s", namespace: "infaas" },
    spec: { ports: [{ port: "http" }] },
  };
  assert.match(await schemaErrorOf(service), /\/spec\/ports\/0\/port must be integer/);
});

test("a folder with a broken file fails, naming the file", async () => {
  const folder = mkdtempSync(join(tmpdir(), "infaas-manifests-"));
  try {
    writeFileSync(join(folder, "broken.yaml"), brokenDeployment);
    writeFileSync(join(folder, "syntax.yaml"), "kind: [unclosed\n");
    const lines = [];
    assert.equal(await validateFolder(folder, (line) => lines.push(line)), 3);
    assert.ok(lines.some((l) => /FAIL .*broken\.yaml: apps\/v1 Deployment broken: .*replicas/.test(l)),
      lines.join("\n"));
    assert.ok(lines.some((l) => /FAIL .*syntax\.yaml: YAML/.test(l)), lines.join("\n"));
    // and the project rules: no master names a worker Deployment here
    assert.ok(lines.some((l) => /--kubernetes-worker-deployment names no Deployment/.test(l)));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test("the project's rules hold for the shipped manifests and catch departures", () => {
  assert.deepEqual(projectErrorsOf(shippedObjects()), []);

  const cpuMismatch = shippedObjects();
  const worker = cpuMismatch.find((o) => o.kind === "Deployment");
  worker.spec.template.spec.containers[0].resources.limits.cpu = "1";
  assert.match(projectErrorsOf(cpuMismatch).join("\n"), /--cores=2 must equal the CPU request and limit/);

  const noId = shippedObjects();
  const args = noId.find((o) => o.kind === "Deployment").spec.template.spec.containers[0].args;
  args.splice(args.indexOf("--id=$(INFAAS_WORKER_ID)"), 1);
  assert.match(projectErrorsOf(noId).join("\n"), /must pass --id=\$\(INFAAS_WORKER_ID\)/);

  const greedy = shippedObjects();
  greedy.find((o) => o.kind === "Role").rules[1].verbs.push("patch");
  assert.match(projectErrorsOf(greedy).join("\n"), /extra: patch pods/);
});
