// Checks Kubernetes manifests against the API's schemas: every document of
// every YAML file in a folder is parsed (yaml), its apiVersion and kind are
// looked up among kubernetes-models' classes (the Kubernetes OpenAPI schemas
// as JSON Schema validators) and validate() is called on it. An unknown
// apiVersion or kind fails too. Then a few rules of this project's own that
// no schema knows (the worker's --cores and CPU, its id, the provisioner's
// Role).
//
//   node tests/kubernetes/validate.mjs [FOLDER]   # default: deploy/kubernetes
//
// Prints one line per object checked; exits 1 at the end if any failed.
// What it does not check: field names the schema does not know (kubernetes-
// models accepts unknown fields; `kubectl apply --dry-run=server` on a real
// cluster would refuse them), and anything that needs a cluster.

import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

// The class for `apiVersion` and `kind`, or an Error saying which is unknown.
// "v1" is kubernetes-models/v1, "apps/v1" kubernetes-models/apps/v1, and so on.
export async function modelFor(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string") {
    return new Error("no apiVersion or kind");
  }
  let module;
  try {
    module = await import(`kubernetes-models/${apiVersion}`);
  } catch {
    return new Error(`unknown apiVersion ${apiVersion}`);
  }
  const model = module[kind];
  if (typeof model !== "function" || model.apiVersion !== apiVersion || model.kind !== kind) {
    return new Error(`unknown kind ${kind} in ${apiVersion}`);
  }
  return model;
}

function describeSchemaError(error) {
  if (Array.isArray(error.errors) && error.errors.length > 0) {
    return error.errors
      .map((e) => `${e.instancePath || "/"} ${e.message ?? e.keyword}`)
      .join("; ");
  }
  return error.message;
}

// Checks one parsed object against its schema: null when valid, else the
// reason.
export async function schemaErrorOf(object) {
  if (object === null || typeof object !== "object" || Array.isArray(object)) {
    return "not a Kubernetes object (a mapping with apiVersion and kind)";
  }
  const model = await modelFor(object.apiVersion, object.kind);
  if (model instanceof Error) return model.message;
  try {
    new model(object).validate();
  } catch (error) {
    return describeSchemaError(error);
  }
  return null;
}

// The objects in YAML `text` (empty documents skipped), or a parse error.
export function parseManifests(text) {
  const objects = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) {
      throw new Error(`YAML: ${document.errors.map((e) => e.message).join("; ")}`);
    }
    const object = document.toJS();
    if (object !== null && object !== undefined) objects.push(object);
  }
  return objects;
}

const argValue = (args, flag) => {
  const prefix = `--${flag}=`;
  const found = (args ?? []).find((a) => typeof a === "string" && a.startsWith(prefix));
  return found === undefined ? undefined : found.slice(prefix.length);
};

// Kubernetes CPU quantities: "2", "1500m", 0.5.
const cpuCores = (q) =>
  typeof q === "string" && q.endsWith("m") ? Number(q.slice(0, -1)) / 1000 : Number(q);

// This project's rules across objects; a list of "kind/name: problem".
export function projectErrorsOf(objects) {
  const errors = [];
  const named = (kind, name) =>
    objects.find((o) => o.kind === kind && o.metadata?.name === name);
  for (const o of objects) {
    if (o.kind !== "Namespace" && o.metadata?.namespace !== "infaas") {
      errors.push(`${o.kind}/${o.metadata?.name}: not in namespace infaas`);
    }
  }
  const master = named("StatefulSet", "infaas-master");
  const masterArgs = master?.spec?.template?.spec?.containers?.[0]?.args ?? [];
  const workerName = argValue(masterArgs, "kubernetes-worker-deployment");
  const worker = workerName && named("Deployment", workerName);
  if (!worker) {
    errors.push(`StatefulSet/infaas-master: --kubernetes-worker-deployment names no Deployment`);
    return errors;
  }
  const container = worker.spec.template.spec.containers[0];
  const cores = Number(argValue(container.args, "cores"));
  const cpu = container.resources ?? {};
  if (!(cores > 0) || cpuCores(cpu.limits?.cpu) !== cores || cpuCores(cpu.requests?.cpu) !== cores) {
    errors.push(
      `Deployment/${workerName}: --cores=${argValue(container.args, "cores")} must equal the ` +
        `CPU request and limit (${cpu.requests?.cpu}, ${cpu.limits?.cpu})`,
    );
  }
  if (argValue(container.args, "id") !== "$(INFAAS_WORKER_ID)") {
    errors.push(`Deployment/${workerName}: the worker must pass --id=$(INFAAS_WORKER_ID)`);
  }
  const selector = worker.spec.selector?.matchLabels ?? {};
  if (Object.keys(selector).length === 0 || worker.spec.selector.matchExpressions?.length) {
    errors.push(`Deployment/${workerName}: the selector must be matchLabels only`);
  }
  const role = named("Role", "infaas-provisioner");
  const granted = new Set();
  for (const rule of role?.rules ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs ?? []) granted.add(`${verb} ${resource}`);
    }
  }
  const needed = ["get deployments", "create pods", "get pods", "list pods", "delete pods",
    "get configmaps", "update configmaps", "create configmaps"];
  const missing = needed.filter((n) => !granted.has(n));
  const extra = [...granted].filter((g) => !needed.includes(g));
  if (missing.length > 0 || extra.length > 0) {
    errors.push(
      `Role/infaas-provisioner: grants what the provisioner uses, no more ` +
        `(missing: ${missing.join(", ") || "none"}; extra: ${extra.join(", ") || "none"})`,
    );
  }
  return errors;
}

// Validates every .yaml/.yml file in `folder`; returns the number of failures.
export async function validateFolder(folder, log = console.log) {
  let failures = 0;
  const all = [];
  const files = readdirSync(folder)
    .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
    .sort();
  if (files.length === 0) {
    log(`FAIL ${folder}: no YAML files`);
    return 1;
  }
  for (const file of files) {
    const path = join(folder, file);
    let objects;
    try {
      objects = parseManifests(readFileSync(path, "utf8"));
    } catch (error) {
      log(`FAIL ${relative(process.cwd(), path)}: ${error.message}`);
      failures++;
      continue;
    }
    for (const object of objects) {
      const shown = relative(process.cwd(), path);
      const what = `${shown}: ${object?.apiVersion} ${object?.kind} ${object?.metadata?.name}`;
      const error = await schemaErrorOf(object);
      log(error === null ? `ok   ${what}` : `FAIL ${what}: ${error}`);
      if (error !== null) failures++;
      all.push(object);
    }
  }
  for (const error of projectErrorsOf(all)) {
    log(`FAIL ${error}`);
    failures++;
  }
  return failures;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(fileURLToPath(import.meta.url), "../../..");
  const folder = resolve(process.argv[2] ?? join(root, "deploy/kubernetes"));
  const failures = await validateFolder(folder);
  console.log(
    failures === 0
      ? `all manifests in ${relative(process.cwd(), folder) || "."} are valid`
      : `${failures} problem(s)`,
  );
  process.exit(failures === 0 ? 0 : 1);
}
