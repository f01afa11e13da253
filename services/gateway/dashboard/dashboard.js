// Conveyor dashboard: a plain ES module on the public REST API and the SSE stream, with an API key.
// Every piece of server data reaches the page as a text node (el() below); nothing is parsed as HTML.

const API = "/api/v1";
const KEY_STORAGE = "conveyor.apiKey";
const OVERVIEW_MS = 5_000; // queue depths and workers
const SCHEDULES_MS = 30_000; // also notices a scheduler deployed after the page was opened
const RATE_WINDOW_S = 60;
const STATS_MS = 5_000; // throughput and latency charts
const STATS_MINUTES = 15;
const FLOW_CONTROL_MS = 5_000; // paused queues, concurrency keys, throttles
const PAGE_SIZE = 50;
const MAX_PAGE = 500; // the API's largest limit
const MAX_JOB_ROWS = 1_000; // live updates add rows; past this the oldest go
const STATUSES = ["scheduled", "queued", "running", "retrying", "succeeded", "failed", "cancelled"];
const UNFINISHED = new Set(["scheduled", "queued", "running", "retrying"]);
const REPLAYABLE = new Set(["failed", "cancelled"]);

const $ = (selector, root = document) => root.querySelector(selector);

/** Builds an element. Strings become text nodes, never markup. */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

const td = (...children) => el("td", {}, ...children);
const json = (value) => (value === undefined || value === null ? "—" : JSON.stringify(value, null, 2));
const shortId = (id) => el("code", { title: id }, String(id).slice(0, 8));

function time(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toDateString() === new Date().toDateString() ? date.toLocaleTimeString() : date.toLocaleString();
}

function statusBadge(status) {
  const known = STATUSES.includes(status) ? status : "unknown";
  return el("span", { class: `status status-${known}` }, status);
}

// ---------------------------------------------------------------------------------------------
// State

const state = {
  key: null,
  /** Bumped when the key changes or the dashboard stops: late answers of an old session are dropped. */
  session: 0,
  source: null,
  lastEventId: null,
  timers: [],
  jobs: new Map(), // id -> job, the rows of "Recent jobs"
  rows: new Map(), // id -> <tr>, rebuilt only when its job changed
  dirty: new Set(),
  nextCursor: null,
  trimmed: false,
  listVersion: 0,
  detailId: null,
  /** queue -> { succeeded: Map<second, n>, failed: Map<second, n> }, counted when the event arrives. */
  rates: new Map(),
  newestEventAt: 0,
  queues: [],
  /** queue -> the organization's unfinished jobs on it by status, from the last GET /queues. */
  queueJobs: new Map(),
  /** The last GET /flow-control answer. */
  flowControl: null,
  errors: new Map(),
  /** Chart data: series ("" for all queues, else the queue) -> Map(bucket start in s -> bucket). */
  stats: new Map(),
  statsFetchedAt: 0,
  /** The buckets the charts show: their length (s) and the first and last start (s). */
  statsWindow: null,
  charts: null,
};

// ---------------------------------------------------------------------------------------------
// API

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, query = {}, key = state.key) {
  const url = new URL(API + path, location.origin);
  for (const [name, value] of Object.entries(query)) if (value) url.searchParams.set(name, value);
  let response;
  try {
    response = await fetch(url, { method, headers: { authorization: `Bearer ${key}`, accept: "application/json" } });
  } catch (error) {
    throw new ApiError(0, "NETWORK", `the gateway did not answer (${error.message})`);
  }
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const error = body && typeof body === "object" ? body.error : undefined;
    const details = Array.isArray(error?.details) ? error.details.map((detail) => `${detail.path}: ${detail.message}`).join("; ") : "";
    const message = (error?.message ?? response.statusText) + (details ? ` (${details})` : "");
    throw new ApiError(response.status, error?.code ?? `HTTP_${response.status}`, message);
  }
  return body;
}

/** Runs a request of the current session; a 401 sends the user back to the key form. */
async function guarded(source, request) {
  const session = state.session;
  try {
    const result = await request();
    if (session !== state.session) return undefined;
    setError(source, null);
    return result;
  } catch (error) {
    if (session === state.session) report(source, error);
    return undefined;
  }
}

function report(source, error) {
  if (error instanceof ApiError && error.status === 401) {
    forgetKey(`The API key was rejected (401 ${error.code}: ${error.message}). Enter a valid key.`);
  } else {
    setError(source, `${source}: ${error.message}${error instanceof ApiError && error.status ? ` (${error.status} ${error.code})` : ""}`);
  }
}

function setError(source, message) {
  if (message) state.errors.set(source, message);
  else state.errors.delete(source);
  const box = $("#error");
  box.replaceChildren(...[...state.errors.values()].map((text) => el("div", {}, text)));
  box.hidden = state.errors.size === 0;
}

// ---------------------------------------------------------------------------------------------
// Key and session

function showKeyForm(message) {
  $("#dashboard").hidden = true;
  $("#forget-key").hidden = true;
  $("#key-form").hidden = false;
  state.errors.clear();
  setError("API key", message ?? null);
  $("#api-key").focus();
}

function stop() {
  state.session++;
  state.source?.close();
  state.source = null;
  for (const timer of state.timers) clearInterval(timer);
  state.timers = [];
  setStreamState("off", "not connected");
}

function forgetKey(message) {
  stop();
  state.key = null;
  localStorage.removeItem(KEY_STORAGE);
  showKeyForm(message);
}

async function submitKey(event) {
  event.preventDefault();
  const key = $("#api-key").value.trim();
  if (!key) return;
  try {
    await api("GET", "/queues", {}, key); // check the key before showing anything
  } catch (error) {
    const rejected = error instanceof ApiError && error.status === 401;
    setError("API key", rejected ? "That API key was rejected (401). Check it and try again." : `Could not check the key: ${error.message}`);
    return;
  }
  localStorage.setItem(KEY_STORAGE, key);
  $("#api-key").value = "";
  start(key);
}

function start(key) {
  stop();
  state.key = key;
  state.errors.clear();
  setError("API key", null);
  $("#key-form").hidden = true;
  $("#dashboard").hidden = false;
  $("#forget-key").hidden = false;
  state.stats.clear();
  state.statsFetchedAt = 0;
  state.flowControl = null;
  deadLetters.reset();
  schedules.reset();
  void connectStream();
  void loadTasks();
  void refreshOverview();
  void refreshStats();
  void refreshFlowControl();
  void reloadJobs();
  void loadDeadLetters();
  void loadSchedules();
  state.timers.push(setInterval(() => void refreshOverview(), OVERVIEW_MS));
  state.timers.push(setInterval(() => void refreshStats(), STATS_MS));
  state.timers.push(setInterval(() => void refreshFlowControl(), FLOW_CONTROL_MS));
  state.timers.push(setInterval(() => void loadSchedules(), SCHEDULES_MS));
  state.timers.push(setInterval(renderRates, 1_000));
}

// ---------------------------------------------------------------------------------------------
// Live stream

function setStreamState(stateName, text) {
  const pill = $("#stream-state");
  pill.dataset.state = stateName;
  pill.textContent = text;
}

async function connectStream() {
  const session = state.session;
  // EventSource cannot send headers, and the key never goes in a URL: a short-lived stream token does.
  const grant = await guarded("Live stream", () => api("POST", "/stream-tokens"));
  if (session !== state.session) return;
  if (!grant) {
    setStreamState("off", "disconnected");
    setTimeout(() => void (session === state.session && connectStream()), 3_000);
    return;
  }
  const url = new URL(`${API}/jobs/stream`, location.origin);
  url.searchParams.set("token", grant.token);
  if (state.lastEventId) url.searchParams.set("lastEventId", state.lastEventId);
  const source = new EventSource(url);
  state.source = source;
  setStreamState("connecting", "connecting…");
  source.onopen = () => setStreamState("live", "live");
  source.onerror = () => {
    if (source.readyState !== EventSource.CLOSED) {
      setStreamState("connecting", "reconnecting…"); // EventSource retries by itself, with Last-Event-ID
      return;
    }
    // Refused (a 401 once the token expired, a restart): EventSource gives up. Open a new stream with a new token.
    source.close();
    setStreamState("off", "disconnected");
    setTimeout(() => void (session === state.session && connectStream()), 3_000);
  };
  for (const type of STATUSES.concat("progress")) {
    source.addEventListener(type, (event) => onUpdate(JSON.parse(event.data), event.lastEventId));
  }
}

function onUpdate(update, eventId) {
  state.lastEventId = eventId || update.id;
  countRate(update);
  upsertJob(update.job, "live");
  if (update.type === "failed" || (update.type === "queued" && update.data?.replay)) coalesce("deadLetters", loadDeadLetters, 300);
  if (update.job.id === state.detailId) coalesce("detail", () => loadDetail(update.job.id), 300);
  coalesce("overview", refreshOverview, 1_000);
}

/** Runs `fn` once, `ms` from the first call; calls in between join it (bursts of events, one request). */
const pending = new Map();
function coalesce(name, fn, ms) {
  if (pending.has(name)) return;
  pending.set(name, setTimeout(() => {
    pending.delete(name);
    void fn();
  }, ms));
}

// ---------------------------------------------------------------------------------------------
// Queues, rates and workers

function countRate(update) {
  if (update.type !== "succeeded" && update.type !== "failed") return;
  // Events replayed after a reconnect are old: compare on the server's clock, count on ours.
  const at = Date.parse(update.at);
  state.newestEventAt = Math.max(state.newestEventAt, at);
  if (state.newestEventAt - at > RATE_WINDOW_S * 1_000) return;
  const queue = update.job.queue;
  const counts = state.rates.get(queue) ?? { succeeded: new Map(), failed: new Map() };
  state.rates.set(queue, counts);
  const second = Math.floor(Date.now() / 1_000);
  counts[update.type].set(second, (counts[update.type].get(second) ?? 0) + 1);
}

function ratePerMinute(queue, type) {
  const counts = state.rates.get(queue)?.[type];
  if (!counts) return 0;
  const oldest = Math.floor(Date.now() / 1_000) - RATE_WINDOW_S;
  let total = 0;
  for (const [second, n] of counts) {
    if (second <= oldest) counts.delete(second);
    else total += n;
  }
  return total;
}

function renderRates() {
  for (const row of document.querySelectorAll("#queues tbody tr")) {
    $(".rate-succeeded", row).textContent = String(ratePerMinute(row.dataset.queue, "succeeded"));
    $(".rate-failed", row).textContent = String(ratePerMinute(row.dataset.queue, "failed"));
  }
}

async function refreshOverview() {
  const [queues, workers] = await Promise.all([
    guarded("Queues", () => api("GET", "/queues")),
    guarded("Workers", () => api("GET", "/workers")),
    refreshWebhookPlanning(),
  ]);
  if (queues) renderQueues(queues.items);
  if (workers) renderWorkers(workers.items);
}

// Webhook planning (hidden when no webhooks service answers)
async function refreshWebhookPlanning() {
  const session = state.session;
  let status;
  try {
    status = await api("GET", "/webhooks/planning");
  } catch (error) {
    if (session !== state.session) return;
    if (error instanceof ApiError && (error.status === 404 || error.code === "SERVICE_UNAVAILABLE")) {
      $("#webhook-planning").hidden = true;
      setError("Webhook planning", null);
    } else {
      report("Webhook planning", error);
    }
    return;
  }
  if (session !== state.session) return;
  setError("Webhook planning", null);
  const section = $("#webhook-planning");
  section.hidden = false;
  $(".lag", section).textContent = String(status.lagEvents);
  $(".outbox", section).textContent = String(status.outbox);
  $(".failed", section).textContent = String(status.failed);
}

function renderQueues(items) {
  state.queues = items.map((item) => item.queue);
  state.queueJobs = new Map(items.map((item) => [item.queue, item.jobs]));
  renderPausedQueues(); // its waiting counts come from here
  const number = (value) => el("td", { class: "num" }, value ?? "—");
  $("#queues tbody").replaceChildren(
    ...items.map(({ queue, consumers, jobs }) =>
      el(
        "tr",
        { dataset: { queue } },
        td(queue),
        number(consumers),
        number(jobs.scheduled),
        number(jobs.queued),
        number(jobs.running),
        number(jobs.retrying),
        el("td", { class: "num rate-succeeded" }, ratePerMinute(queue, "succeeded")),
        el("td", { class: "num rate-failed" }, ratePerMinute(queue, "failed")),
      ),
    ),
  );
  fillOptions($("#job-filters select[name=queue]"), state.queues);
}

function renderWorkers(items) {
  const body = $("#workers tbody");
  if (items.length === 0) {
    body.replaceChildren(el("tr", {}, el("td", { colspan: 5, class: "empty" }, "No worker is running.")));
    return;
  }
  body.replaceChildren(
    ...items.map((worker) =>
      el(
        "tr",
        {},
        td(worker.service),
        td((worker.nodes ?? []).join(", ")),
        td((worker.queues ?? []).join(", ")),
        el("td", { class: "num" }, worker.prefetch),
        el("td", { class: "tasks" }, (worker.tasks ?? []).join(", ")),
      ),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Flow control: paused queues, concurrency keys and throttles (GET /flow-control)

/** Polled on its own timer, not after every job event: it counts all of the organization's unfinished jobs. */
async function refreshFlowControl() {
  const answer = await guarded("Flow control", () => api("GET", "/flow-control"));
  if (!answer) return;
  state.flowControl = answer;
  renderPausedQueues();
  renderFlowKeys(answer);
}

const emptyRow = (columns, text) => el("tr", {}, el("td", { colspan: columns, class: "empty" }, text));

function renderPausedQueues() {
  if (!state.flowControl) return;
  const paused = state.flowControl.pausedQueues;
  const body = $("#flow-control .paused-queues tbody");
  if (paused.length === 0) {
    body.replaceChildren(emptyRow(3, "No queue is paused."));
    return;
  }
  body.replaceChildren(
    ...paused.map((queue) => {
      const jobs = state.queueJobs.get(queue);
      return el(
        "tr",
        { dataset: { queue } },
        td(queue),
        el("td", { class: "num waiting" }, jobs ? jobs.scheduled + jobs.queued + jobs.retrying : "—"),
        td(el("button", { type: "button", class: "action-resume", onclick: () => void resumeQueue(queue) }, "Resume")),
      );
    }),
  );
}

async function resumeQueue(queue) {
  const done = await guarded("Flow control", () => api("POST", `/queues/${encodeURIComponent(queue)}/resume`));
  if (done === undefined) return;
  void refreshFlowControl();
  void refreshOverview();
}

/** Keys are user data: the name as given is shown (text), the stored key in its title. */
const keyCell = (item) => el("td", { class: "flow-key", title: item.key }, el("code", {}, item.name));
const scopeCell = (item) => td(item.scope === "task" ? `task ${item.task}` : "organization");
/** "3 / 5", marked when the limit is reached (the key's next jobs wait). */
const usedCell = (used, limit, name) => el("td", { class: `num ${name}${used >= limit ? " warn" : ""}` }, `${used} / ${limit}`);
const period = (ms) => (ms < 1_000 ? `${ms} ms` : duration(ms));

function renderFlowKeys({ concurrencyKeys, throttles, truncated }) {
  const keys = $("#flow-control .concurrency-keys tbody");
  keys.replaceChildren(
    ...(concurrencyKeys.length === 0
      ? [emptyRow(4, "No unfinished job has a concurrency key.")]
      : concurrencyKeys.map((item) =>
          el("tr", { dataset: { key: item.key } }, keyCell(item), scopeCell(item), usedCell(item.running, item.limit, "running"), el("td", { class: "num waiting" }, item.waiting)),
        )),
  );
  const throttled = $("#flow-control .throttles tbody");
  throttled.replaceChildren(
    ...(throttles.length === 0
      ? [emptyRow(5, "No unfinished job has a throttle.")]
      : throttles.map((item) =>
          el(
            "tr",
            { dataset: { key: item.key } },
            keyCell(item),
            scopeCell(item),
            usedCell(item.startsInPeriod, item.limit, "starts"),
            el("td", { class: "num period", title: `${item.periodMs} ms` }, period(item.periodMs)),
            el("td", { class: "num waiting" }, item.waiting),
          ),
        )),
  );
  $("#flow-control .truncated").hidden = !truncated;
}

// ---------------------------------------------------------------------------------------------
// Throughput and latency charts (uPlot, served by the gateway as a global)

const CHART_HEIGHT = 200;
const COLORS = { started: "#2f5bd3", succeeded: "#1c7c47", failed: "#b42318", p99: "#b54708" };

/**
 * The last 15 minutes once, then only the minutes since the last answer (with the bucket that was
 * still filling then): buckets have fixed starts, so a newer answer replaces the ones it holds.
 */
async function refreshStats() {
  const asked = Date.now();
  const minutes = Math.min(STATS_MINUTES, Math.ceil((asked - state.statsFetchedAt + 20_000) / 60_000));
  const answer = await guarded("Charts", () => api("GET", "/stats/queues", { minutes }));
  if (!answer) return;
  state.statsFetchedAt = asked;
  mergeStats(answer);
  renderCharts();
}

function mergeStats(answer) {
  const step = answer.bucketSeconds;
  const last = Date.parse(answer.all.buckets.at(-1).at) / 1000;
  const first = last - (STATS_MINUTES * 60 - step);
  for (const [name, series] of [["", answer.all], ...answer.queues.map((queue) => [queue.queue, queue])]) {
    const buckets = state.stats.get(name) ?? new Map();
    state.stats.set(name, buckets);
    for (const bucket of series.buckets) buckets.set(Date.parse(bucket.at) / 1000, bucket);
    for (const start of buckets.keys()) if (start < first) buckets.delete(start);
  }
  state.statsWindow = { step, first, last };
  fillOptions($("#chart-queue"), answer.queues.map((queue) => queue.queue));
}

function renderCharts() {
  if (!state.statsWindow || typeof uPlot === "undefined") return;
  const { step, first, last } = state.statsWindow;
  const buckets = state.stats.get($("#chart-queue").value) ?? new Map();
  const columns = { x: [], started: [], succeeded: [], failed: [], p50: [], p99: [] };
  const totals = { started: 0, succeeded: 0, failed: 0 };
  for (let start = first; start <= last; start += step) {
    const bucket = buckets.get(start);
    columns.x.push(start);
    for (const name of ["started", "succeeded", "failed"]) {
      columns[name].push((bucket?.[name] ?? 0) / step);
      totals[name] += bucket?.[name] ?? 0;
    }
    columns.p50.push(bucket?.latencyP50Ms ?? null);
    columns.p99.push(bucket?.latencyP99Ms ?? null);
  }
  const charts = state.charts ?? createCharts();
  charts.throughput.setData([columns.x, columns.started, columns.succeeded, columns.failed]);
  charts.latency.setData([columns.x, columns.p50, columns.p99]);
  // What the charts hold, for readers of the page (the dashboard test among them).
  Object.assign($("#throughput-chart").dataset, totals);
  $("#latency-chart").dataset.points = String(columns.p50.filter((value) => value !== null).length);
}

function createCharts() {
  const value = (_chart, number) => (number === null || number === undefined ? "—" : number.toFixed(2));
  const line = (label, stroke, extra = {}) => ({ label, stroke, width: 2, value, ...extra });
  const options = (unit, series, container) => ({
    width: container.clientWidth,
    height: CHART_HEIGHT,
    scales: { x: { time: true }, y: { range: (_chart, _min, max) => [0, Math.max(1, max ?? 0) * 1.1] } },
    axes: [{}, { label: unit, size: 60 }],
    series: [{}, ...series],
  });
  const chart = (unit, series, container) => new uPlot(options(unit, series, container), [[], ...series.map(() => [])], container);
  state.charts = {
    throughput: chart("per second", [line("started", COLORS.started), line("succeeded", COLORS.succeeded), line("failed", COLORS.failed)], $("#throughput-chart")),
    // Latency exists only where a bucket had first attempts: points, not lines across idle time.
    latency: chart("ms", [line("p50", COLORS.started, { points: { show: true, size: 5 } }), line("p99", COLORS.p99, { points: { show: true, size: 5 } })], $("#latency-chart")),
  };
  return state.charts;
}

function resizeCharts() {
  if (!state.charts) return;
  state.charts.throughput.setSize({ width: $("#throughput-chart").clientWidth, height: CHART_HEIGHT });
  state.charts.latency.setSize({ width: $("#latency-chart").clientWidth, height: CHART_HEIGHT });
}

// ---------------------------------------------------------------------------------------------
// Jobs: search and pages

async function loadTasks() {
  const tasks = await guarded("Tasks", () => api("GET", "/tasks"));
  if (!tasks) return;
  fillOptions($("#job-filters select[name=task]"), tasks.items.map((task) => task.name));
}

/** Keeps the "any" option and the current choice; adds the given values once. */
function fillOptions(select, values) {
  const have = new Set([...select.options].map((option) => option.value));
  for (const value of values) if (!have.has(value)) select.append(el("option", { value }, value));
}

/** The search, as `GET /jobs` takes it. (`form.elements`, as `form.id` is the form's own id.) */
function filters() {
  const { elements } = $("#job-filters");
  const text = (name) => elements[name].value.trim();
  return { id: text("id"), status: text("status"), task: text("task"), queue: text("queue"), scheduleId: text("scheduleId"), payload: text("payload") };
}

/** The payload search as an object; undefined when it is not a JSON object. */
function searchPayload(text) {
  try {
    const value = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** jsonb containment (`@>`), as the server searches: everything in `query` is in `target`. */
function contains(target, query) {
  if (Array.isArray(query)) return Array.isArray(target) && query.every((item) => target.some((candidate) => contains(candidate, item)));
  if (query !== null && typeof query === "object") {
    if (target === null || typeof target !== "object" || Array.isArray(target)) return false;
    return Object.entries(query).every(([key, value]) => Object.hasOwn(target, key) && contains(target[key], value));
  }
  return target === query;
}

function matchesFilters(job) {
  const { id, status, task, queue, scheduleId, payload } = filters();
  return (
    (!id || job.id === id) &&
    (!status || job.status === status) &&
    (!task || job.task === task) &&
    (!queue || job.queue === queue) &&
    (!scheduleId || job.scheduleId === scheduleId) &&
    (!payload || contains(job.payload, searchPayload(payload))) // a payload left out of a large update (null) never matches
  );
}

async function reloadJobs() {
  const { payload } = filters();
  if (payload && searchPayload(payload) === undefined) {
    setError("Search", 'payload must be a JSON object, like {"customerId": 42}');
    return;
  }
  setError("Search", null);
  state.listVersion++;
  state.jobs.clear();
  state.rows.clear();
  state.nextCursor = null;
  state.trimmed = false;
  renderJobs();
  await loadJobsPage();
}

async function loadJobsPage() {
  const version = state.listVersion;
  const page = await guarded("Jobs", () => api("GET", "/jobs", { ...filters(), limit: PAGE_SIZE, cursor: state.nextCursor }));
  if (!page || version !== state.listVersion) return;
  for (const job of page.items) upsertJob(job, "page");
  state.nextCursor = page.nextCursor;
  renderJobs();
}

/** A live update changes a listed job, or adds a new one that matches the filters. */
function upsertJob(job, origin) {
  const known = state.jobs.get(job.id);
  if (known) {
    if (job.updatedAt < known.updatedAt) return; // a page fetched before this update arrived late
  } else if (origin === "live" && !matchesFilters(job)) {
    return;
  }
  state.jobs.set(job.id, job);
  state.dirty.add(job.id);
  coalesce("jobs", renderJobs, 100);
}

const newestFirst = (a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1);

function renderJobs() {
  const jobs = [...state.jobs.values()].sort(newestFirst);
  for (const old of jobs.splice(MAX_JOB_ROWS)) {
    state.jobs.delete(old.id);
    state.rows.delete(old.id);
    state.trimmed = true; // the cursor no longer continues from the last row shown
  }
  for (const id of state.dirty) if (state.jobs.has(id)) state.rows.set(id, jobRow(state.jobs.get(id)));
  state.dirty.clear();
  const rows = jobs.map((job) => state.rows.get(job.id) ?? state.rows.set(job.id, jobRow(job)).get(job.id));
  const body = $("#jobs tbody");
  body.replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 8, class: "empty" }, "No jobs."))]));
  const more = $("#load-more");
  more.hidden = !state.nextCursor && !state.trimmed;
  more.textContent = state.trimmed ? `Showing the newest ${MAX_JOB_ROWS}: reload the list` : "Load more";
}

function progressText(progress) {
  if (!progress) return "";
  return [`${progress.percent}%`, progress.step, progress.message].filter(Boolean).join(" · ");
}

function jobRow(job) {
  return el(
    "tr",
    { class: "job-row", dataset: { jobId: job.id, status: job.status }, tabindex: 0, onclick: () => openDetail(job.id), onkeydown: (event) => event.key === "Enter" && openDetail(job.id) },
    td(shortId(job.id)),
    td(job.task),
    td(job.queue),
    td(statusBadge(job.status)),
    el("td", { class: "num" }, `${job.attempts}/${job.maxAttempts}`),
    el("td", { class: "progress" }, UNFINISHED.has(job.status) ? progressText(job.progress) : ""), // a finished job keeps its last report
    td(time(job.createdAt)),
    td(actionButtons(job)),
  );
}

function actionButtons(job) {
  const button = (label, action) =>
    el("button", { type: "button", class: `action-${label.toLowerCase()}`, onclick: (event) => { event.stopPropagation(); void action(job.id); } }, label);
  if (UNFINISHED.has(job.status)) return button("Cancel", cancelJob);
  if (REPLAYABLE.has(job.status)) return button("Replay", replayJob);
  return "";
}

async function cancelJob(id) {
  if (!confirm(`Cancel job ${id}?`)) return;
  const job = await guarded("Cancel", () => api("DELETE", `/jobs/${encodeURIComponent(id)}`));
  if (job) afterAction(job);
}

async function replayJob(id) {
  const job = await guarded("Replay", () => api("POST", `/jobs/${encodeURIComponent(id)}/retry`));
  if (job) afterAction(job);
}

function afterAction(job) {
  upsertJob(job, "page");
  void loadDeadLetters();
  if (state.detailId === job.id) void loadDetail(job.id);
}

// ---------------------------------------------------------------------------------------------
// Lists read page by page

/**
 * A `{items, nextCursor}` list with "Load more". A refresh reads as many rows as are shown (at
 * least a page), so it never folds up what the user opened; `more` appends the next page.
 */
function pagedList(path) {
  const list = {
    items: [],
    nextCursor: null,
    version: 0,
    async refresh() {
      const version = ++list.version;
      const page = await api("GET", path, { limit: Math.min(MAX_PAGE, Math.max(PAGE_SIZE, list.items.length)) });
      if (version === list.version) Object.assign(list, { items: page.items, nextCursor: page.nextCursor });
    },
    async more() {
      const version = list.version;
      const page = await api("GET", path, { limit: PAGE_SIZE, cursor: list.nextCursor });
      if (version === list.version) Object.assign(list, { items: list.items.concat(page.items), nextCursor: page.nextCursor });
    },
    reset() {
      list.version++;
      Object.assign(list, { items: [], nextCursor: null });
    },
  };
  return list;
}

const deadLetters = pagedList("/jobs/dead-letters");
const schedules = pagedList("/schedules");

// ---------------------------------------------------------------------------------------------
// Dead letters

async function loadDeadLetters(read = () => deadLetters.refresh()) {
  if ((await guarded("Dead letters", async () => (await read(), true))) === undefined) return;
  $("#dead-letters .empty").hidden = deadLetters.items.length > 0;
  $("#dead-letters .load-more").hidden = !deadLetters.nextCursor;
  $("#dead-letters tbody").replaceChildren(
    ...deadLetters.items.map((job) =>
      el(
        "tr",
        { class: "job-row", dataset: { jobId: job.id }, onclick: () => openDetail(job.id) },
        td(shortId(job.id)),
        td(job.task),
        td(job.queue),
        el("td", { class: "error-text" }, job.error ? `${job.error.type}: ${job.error.message}` : "—"),
        td(time(job.deadLetteredAt ?? job.finishedAt)),
        td(actionButtons(job)),
      ),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Schedules (shown only when the gateway has a scheduler: 404 hides the section)

async function loadSchedules(read = () => schedules.refresh()) {
  const session = state.session;
  try {
    await read();
  } catch (error) {
    if (session !== state.session) return;
    // 404: this gateway has no scheduler API; SERVICE_UNAVAILABLE: it has one, but no scheduler runs.
    if (error instanceof ApiError && (error.status === 404 || error.code === "SERVICE_UNAVAILABLE")) {
      $("#schedules").hidden = true;
      setError("Schedules", null);
    } else {
      report("Schedules", error);
    }
    return;
  }
  if (session !== state.session) return;
  setError("Schedules", null);
  $("#schedules").hidden = false;
  $("#schedules .load-more").hidden = !schedules.nextCursor;
  $("#schedules tbody").replaceChildren(...schedules.items.map(scheduleRow));
}

/** A length of time at a glance: "40 s", "3 min", "2 h", "3 days". */
function duration(ms) {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)} min`;
  return seconds < 172_800 ? `${Math.round(seconds / 3_600)} h` : `${Math.round(seconds / 86_400)} days`;
}

/** "in 3 min", or "due" once the time has come. */
const fromNow = (iso) => (Date.parse(iso) <= Date.now() ? "due" : `in ${duration(Date.parse(iso) - Date.now())}`);

const SCHEDULE_STATES = { active: "status-succeeded", paused: "status-cancelled", finished: "status-scheduled" };

function scheduleRow(schedule) {
  const paused = schedule.state === "paused";
  const when = schedule.cron ? `${schedule.cron} (${schedule.timezone})` : schedule.intervalMs ? `every ${duration(schedule.intervalMs)}` : `once at ${time(schedule.runAt)}`;
  const toggle = async () => {
    const done = await guarded("Schedules", () => api("POST", `/schedules/${encodeURIComponent(schedule.id)}/${paused ? "resume" : "pause"}`));
    if (done !== undefined) void loadSchedules();
  };
  return el(
    "tr",
    { dataset: { scheduleId: schedule.id } },
    td(schedule.name),
    td(schedule.task),
    td(when),
    el("td", { class: "next-run" }, schedule.nextRunAt ? [el("time", { datetime: schedule.nextRunAt }, time(schedule.nextRunAt)), " ", el("span", { class: "hint" }, fromNow(schedule.nextRunAt))] : "—"),
    td(time(schedule.lastRunAt)),
    el("td", { class: "num" }, schedule.totalRunCount),
    td(el("span", { class: `status ${SCHEDULE_STATES[schedule.state] ?? ""}` }, schedule.state)),
    td(
      el("button", { type: "button", class: "action-jobs", onclick: () => searchSchedule(schedule.id) }, "Jobs"),
      " ",
      el("button", { type: "button", onclick: toggle }, paused ? "Resume" : "Pause"),
    ),
  );
}

/** Lists the jobs a schedule fired. */
function searchSchedule(id) {
  const form = $("#job-filters");
  for (const field of form.elements) if (field.name) field.value = "";
  form.elements.scheduleId.value = id;
  void reloadJobs();
  $("#jobs").scrollIntoView({ block: "start" });
}

// ---------------------------------------------------------------------------------------------
// Job detail

function openDetail(id) {
  state.detailId = id;
  const panel = $("#job-detail");
  panel.hidden = false;
  $(".detail-id", panel).textContent = id;
  void loadDetail(id);
}

function closeDetail() {
  state.detailId = null;
  $("#job-detail").hidden = true;
}

async function loadDetail(id) {
  const [job, events] = await Promise.all([
    guarded("Job detail", () => api("GET", `/jobs/${encodeURIComponent(id)}`)),
    guarded("Job events", () => api("GET", `/jobs/${encodeURIComponent(id)}/events`)),
  ]);
  if (!job || !events || state.detailId !== id) return;
  const panel = $("#job-detail");
  const field = (name, value) => [el("dt", {}, name), el("dd", {}, value ?? "—")];
  $(".detail-fields", panel).replaceChildren(
    ...field("status", statusBadge(job.status)),
    ...field("task", job.task),
    ...field("queue", job.queue),
    ...field("attempts", `${job.attempts} of ${job.maxAttempts}`),
    ...field("progress", progressText(job.progress) || "—"),
    ...field("priority", String(job.priority)),
    ...field("created", time(job.createdAt)),
    ...field("run at", time(job.runAt)),
    ...field("started", time(job.startedAt)),
    ...field("finished", time(job.finishedAt)),
    ...field("dead-lettered", time(job.deadLetteredAt)),
    ...field("idempotency key", job.idempotencyKey),
    ...field("callback URL", job.callbackUrl),
  );
  $(".detail-actions", panel).replaceChildren(actionButtons(job));
  $(".detail-payload", panel).textContent = json(job.payload);
  $(".detail-result", panel).textContent = json(job.result);
  $(".detail-error", panel).textContent = json(job.error);
  $(".timeline", panel).replaceChildren(
    ...events.items.map((event) =>
      el(
        "li",
        { dataset: { type: event.type } },
        el("time", { datetime: event.createdAt }, time(event.createdAt)),
        " ",
        el("strong", {}, event.type),
        Object.keys(event.data ?? {}).length ? el("code", {}, JSON.stringify(event.data)) : "",
      ),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Wiring

function init() {
  const statusSelect = $("#job-filters select[name=status]");
  for (const status of STATUSES) statusSelect.append(el("option", { value: status }, status));
  const search = $("#job-filters");
  // A choice in a list searches at once; typed fields when the search is sent (Enter or Search).
  search.addEventListener("change", (event) => event.target instanceof HTMLSelectElement && void reloadJobs());
  search.addEventListener("submit", (event) => {
    event.preventDefault();
    void reloadJobs();
  });
  search.addEventListener("reset", () => setTimeout(() => void reloadJobs())); // after the fields are cleared
  $("#dead-letters .load-more").addEventListener("click", () => void loadDeadLetters(() => deadLetters.more()));
  $("#schedules .load-more").addEventListener("click", () => void loadSchedules(() => schedules.more()));
  $("#chart-queue").addEventListener("change", renderCharts);
  window.addEventListener("resize", () => coalesce("resize", resizeCharts, 200));
  $("#load-more").addEventListener("click", () => void (state.trimmed ? reloadJobs() : loadJobsPage()));
  $("#key-form").addEventListener("submit", (event) => void submitKey(event));
  $("#forget-key").addEventListener("click", () => forgetKey());
  $("#job-detail .close").addEventListener("click", closeDetail);
  document.addEventListener("keydown", (event) => event.key === "Escape" && closeDetail());
  const key = localStorage.getItem(KEY_STORAGE);
  if (key) start(key);
  else showKeyForm();
}

init();
