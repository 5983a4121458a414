// The dashboard's entry point: tabs, the key prompt, and the refresh loops
// (the cluster picture twice a second, the catalogue every 10 s, the offline
// jobs every second while their tab is open).

import { ApiError, apiKey, getJson, postJson, setApiKey } from "./api.js";
import { emptyState, h, replace } from "./dom.js";
import { renderAutoscaler } from "./views/autoscaler.js";
import { catalogueMaps, catalogueNames, fetchCatalogue, renderCatalogue } from "./views/catalogue.js";
import { clusterSummary, renderCluster } from "./views/cluster.js";
import { renderJobs } from "./views/jobs.js";
import { setUpPlayground } from "./views/playground.js";
import { HISTORY_SECONDS, renderSlo } from "./views/slo.js";

const CLUSTER_PERIOD_MS = 500;
const CATALOGUE_PERIOD_MS = 10000;
const JOBS_PERIOD_MS = 1000;
// How often the cluster picture is asked for again after a 403 (a user key:
// the cluster, SLO and autoscaler views need an admin key).
const FORBIDDEN_PERIOD_MS = 10000;
// Where a 403 on the cluster picture is said.
const STATUS_VIEW_IDS = ["cluster-workers", "slo-summary", "autoscaler-policy"];

let activeView = "cluster";
// Set when the master refused the page's key (or lack of one): the loops
// wait for the operator's key rather than ask again and again.
let needKey = false;
let lastStatus = null;
let catalogue = { variants: [], truncated: false };
// How the SLO view groups the service levels (its select), and the
// catalogue's name maps it groups with.
let sloGrouping = { by: "named", catalogue: catalogueMaps(catalogue) };

const VIEWS_OF_STATUS = {
  cluster: renderCluster, slo: (s) => renderSlo(s, sloGrouping), autoscaler: renderAutoscaler,
};

function showConnection(text, ok) {
  const node = document.getElementById("connection");
  node.textContent = text;
  node.className = ok ? "ok" : "error";
}

// What a failed call means for the page: a key to ask for, a role that
// cannot see this, or a master that does not answer.
function handleError(error, viewIds) {
  if (!(error instanceof ApiError)) throw error;
  if (error.status === 401) {
    needKey = true;
    document.getElementById("key-prompt").hidden = false;
    document.getElementById("key-message").textContent =
      apiKey() ? "The master refused this key: " + error.message : "";
    showConnection("API key needed", false);
  } else if (error.status === 403) {
    for (const id of [viewIds].flat()) {
      replace(id, emptyState("This view needs an admin key.", error.message));
    }
  } else {
    showConnection(error.status === 0 ? "master unreachable" : error.message, false);
  }
}

// The open view from the last cluster picture. The catalogue view is drawn
// only when the catalogue (or the family shown) changes, so that its
// controls stay put between refreshes.
function render() {
  if (lastStatus && VIEWS_OF_STATUS[activeView]) VIEWS_OF_STATUS[activeView](lastStatus);
}

function renderCatalogueView() {
  if (activeView === "catalogue") renderCatalogue(catalogue, renderCatalogueView);
}

async function refreshCluster() {
  if (needKey) return setTimeout(refreshCluster, CLUSTER_PERIOD_MS);
  let next = CLUSTER_PERIOD_MS;
  try {
    lastStatus = await getJson(`/v1/cluster?history_seconds=${HISTORY_SECONDS}`);
    document.getElementById("key-prompt").hidden = true;
    showConnection("live · " + clusterSummary(lastStatus), true);
    render();
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) {
      lastStatus = null;
      next = FORBIDDEN_PERIOD_MS;
      showConnection("live · a user key: catalogue, playground and jobs", true);
    }
    handleError(e, STATUS_VIEW_IDS);
  }
  setTimeout(refreshCluster, next);
}

function fillSuggestions() {
  const names = catalogueNames(catalogue);
  for (const [id, list] of [["variant-names", names.variants],
                            ["architecture-names", names.architectures],
                            ["dataset-names", names.datasets]]) {
    replace(id, list.map((n) => h("option", { value: n })));
  }
}

async function refreshCatalogue() {
  if (needKey) return;
  try {
    catalogue = await fetchCatalogue(getJson);
    sloGrouping = { ...sloGrouping, catalogue: catalogueMaps(catalogue) };
    fillSuggestions();
    renderCatalogueView();
  } catch (e) {
    handleError(e, "catalogue-families");
  }
}

async function refreshJobs() {
  if (activeView === "jobs" && !needKey) {
    try {
      renderJobs(await getJson("/v1/offline-jobs"), cancelJob);
    } catch (e) {
      handleError(e, "jobs-table");
    }
  }
  setTimeout(refreshJobs, JOBS_PERIOD_MS);
}

async function cancelJob(id) {
  try {
    await postJson(`/v1/offline-jobs/${encodeURIComponent(id)}/cancel`, {});
  } catch (e) {
    handleError(e, "jobs-table");
  }
}

function show(view) {
  activeView = view;
  for (const button of document.querySelectorAll("#tabs button")) {
    button.classList.toggle("active", button.dataset.view === view);
  }
  for (const section of document.querySelectorAll("main > .view")) {
    section.hidden = section.id !== "view-" + view;
  }
  if (view === "catalogue") {
    renderCatalogueView();
    refreshCatalogue();
  }
  render();
}

function setUpKeyPrompt() {
  document.getElementById("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    setApiKey(document.getElementById("key-input").value.trim());
    document.getElementById("key-input").value = "";
    needKey = false;
    refreshCatalogue();
  });
  document.getElementById("key-forget").addEventListener("click", () => setApiKey(""));
}

function accuracyOf(variant) {
  const v = catalogue.variants.find((x) => x.record.config.name === variant);
  return v ? v.record.profile.accuracy_percent : undefined;
}

for (const button of document.querySelectorAll("#tabs button")) {
  button.addEventListener("click", () => show(button.dataset.view));
}
setUpKeyPrompt();
document.getElementById("slo-group").addEventListener("change", (event) => {
  sloGrouping = { ...sloGrouping, by: event.target.value };
  render();
});
setUpPlayground(postJson, accuracyOf, () => catalogueNames(catalogue).variants);
refreshCluster();
refreshCatalogue();
setInterval(refreshCatalogue, CATALOGUE_PERIOD_MS);
refreshJobs();
