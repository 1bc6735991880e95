// The photopipe console: the API as a phone uses it (bearer token, POST /v1/jobs, a PUT to the
// presigned URL, GET /v1/jobs/{id} until the job ends), drawn instead of printed.
// Plain ES modules, no build step: the page is small and the browser is the runtime.
import { thumbHashToDataURL } from "./vendor/thumbhash.js";

const TERMINAL = new Set(["COMPLETED", "FAILED"]);
const POLL_MS = 400;
const $ = (selector, root = document) => root.querySelector(selector);
const state = { api: "", token: "", user: "", cards: new Map() };

class ApiError extends Error {
  constructor(status, error) {
    super(error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = error?.code || `HTTP_${status}`;
  }
}

async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${state.token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(state.api + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data?.error);
  return data;
}

function problem(message) {
  const box = $("#problem");
  box.textContent = message || "";
  box.hidden = !message;
}

// ---- signing in -------------------------------------------------------------------------

// With a token the stack's dev secret signed (`make -s token USER=alice`): the console mints none.
async function signIn(token) {
  const response = await fetch("session", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token }) });
  const session = await response.json();
  if (!response.ok) throw new Error(session.error || `sign-in failed (${response.status})`);
  Object.assign(state, { token: session.token, user: session.user });
  sessionStorage.setItem("photopipe-token", session.token);
  $("#who").textContent = `signed in as ${session.user}`;
  document.body.dataset.user = session.user;
  await showRecentJobs();
}

async function showRecentJobs() {
  const page = await api("GET", "/v1/jobs?limit=10");
  for (const summary of page.jobs.reverse()) follow(summary.jobId, card(summary.jobId));
}

// ---- uploading --------------------------------------------------------------------------

const TYPES = { heic: "image/heic", heif: "image/heif", avif: "image/avif", webp: "image/webp", jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", gif: "image/gif", tif: "image/tiff", tiff: "image/tiff" };
const contentType = (file) => file.type || TYPES[file.name.split(".").pop().toLowerCase()] || "application/octet-stream";

async function upload(file) {
  if (!state.token) return problem("Sign in first.");
  const view = card(null, URL.createObjectURL(file), file.name);
  setStatus(view, "UPLOADING");
  try {
    const inParts = file.size > IN_PARTS_ABOVE;
    const created = await api("POST", "/v1/jobs", { contentType: contentType(file), contentLength: file.size, ...(inParts ? { multipart: true } : {}) });
    bind(view, created.jobId);
    if (created.upload.type === "multipart") {
      await uploadParts(view, created.jobId, created.upload, file);
    } else {
      // The browser sets Content-Length itself (and refuses to be told); the rest is signed.
      const headers = Object.fromEntries(Object.entries(created.upload.headers).filter(([name]) => name.toLowerCase() !== "content-length"));
      const put = await fetch(created.upload.url, { method: created.upload.method, headers, body: file });
      if (!put.ok) throw new ApiError(put.status, { code: `UPLOAD_${put.status}`, message: `S3 refused the upload: ${(await put.text()).slice(0, 200)}` });
    }
    await follow(created.jobId, view);
  } catch (error) {
    refused(view, error);
  }
}

// Larger photos go up in parts, two at once, as a phone's would: each part straight to S3 with
// its own presigned URL, then POST .../upload/complete with the ETags S3 answered.
const IN_PARTS_ABOVE = 16 * 1024 * 1024;
const PARTS_AT_ONCE = 2;

async function uploadParts(view, jobId, upload, file) {
  const bar = $("progress.upload", view);
  bar.max = file.size;
  bar.hidden = false;
  const sent = new Map();
  const etags = {};
  const waiting = [...upload.parts];
  const sender = async () => {
    for (let part; (part = waiting.shift()); ) {
      const blob = file.slice((part.number - 1) * upload.partSize, part.number * upload.partSize);
      etags[part.number] = await putPart(part, blob, (bytes) => {
        sent.set(part.number, bytes);
        bar.value = [...sent.values()].reduce((sum, n) => sum + n, 0);
      });
    }
  };
  await Promise.all(Array.from({ length: PARTS_AT_ONCE }, sender));
  const parts = Object.entries(etags).map(([number, etag]) => ({ number: Number(number), etag }));
  await api("POST", `/v1/jobs/${jobId}/upload/complete`, { parts });
  view.dataset.parts = parts.length;
}

// XMLHttpRequest rather than fetch: only it reports an upload's progress. The browser sets the
// part's Content-Length (the length its URL signs) from the blob.
function putPart(part, blob, progress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("PUT", part.url);
    request.upload.onprogress = (event) => progress(event.loaded);
    request.onload = () => {
      if (request.status !== 200) return reject(new ApiError(request.status, { code: `UPLOAD_${request.status}`, message: `S3 refused part ${part.number}` }));
      progress(blob.size);
      resolve(request.getResponseHeader("ETag"));
    };
    request.onerror = () => reject(new ApiError(0, { code: "UPLOAD_NETWORK", message: `part ${part.number}: the connection failed` }));
    request.send(blob);
  });
}

// ---- following a job --------------------------------------------------------------------

// Devices hear of a job once it ends, and the delivery is recorded after: a finished job is
// read a while longer, until its notification log says how its deliveries ended.
const AFTER_END_POLLS = 30;

async function follow(jobId, view) {
  for (let afterEnd = 0; afterEnd < AFTER_END_POLLS; ) {
    let job;
    try {
      job = await api("GET", `/v1/jobs/${jobId}`);
    } catch (error) {
      return refused(view, error);
    }
    render(view, job);
    if (TERMINAL.has(job.status)) {
      // Done once a delivery is recorded and none is still being sent.
      if (job.notifications.length && !job.notifications.some((n) => n.status === "SENDING")) return;
      afterEnd += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, afterEnd ? 1000 : POLL_MS));
  }
}

function card(jobId, originalUrl = null, name = "") {
  const view = $("#job-card").content.firstElementChild.cloneNode(true);
  view.original = originalUrl;
  view.dataset.name = name;
  $(".job-id", view).textContent = name;
  if (jobId) bind(view, jobId);
  $("#jobs").prepend(view);
  return view;
}

function bind(view, jobId) {
  view.dataset.jobId = jobId;
  $(".job-id", view).textContent = view.dataset.name ? `${view.dataset.name} · ${jobId}` : jobId;
  state.cards.set(jobId, view);
}

function setStatus(view, status) {
  view.dataset.status = status;
  const badge = $(".status", view);
  badge.textContent = status;
  badge.className = `status ${status}`;
}

function refused(view, error) {
  setStatus(view, "REFUSED");
  $("figure.analysed", view).hidden = true;
  showError(view, error.code, error.message);
}

function showError(view, code, message) {
  const box = $(".error", view);
  box.hidden = false;
  box.replaceChildren(el("code", {}, code), ` ${message}`);
}

function render(view, job) {
  setStatus(view, job.status);
  const started = Date.parse(job.statusHistory[0]?.at || job.createdAt);
  $(".history", view).textContent = job.statusHistory.map((s) => `${s.status} +${((Date.parse(s.at) - started) / 1000).toFixed(2)}s`).join(" → ")
    + (job.processingMs != null ? `  (worker ${job.processingMs} ms)` : "");
  if (job.error) showError(view, job.error.code, job.error.message);
  const outputs = [...job.outputs].sort((a, b) => b.width * b.height - a.width * a.height);
  const base = $("img.base", view);
  const source = view.original || outputs[0]?.url;
  if (source && base.getAttribute("src") !== source) base.src = source;
  $("figure.analysed", view).hidden = !source;
  const analysis = job.analysis || {};
  if (analysis.placeholder?.thumbhash && !base.style.backgroundImage) {
    base.style.backgroundImage = `url(${placeholderUrl(analysis.placeholder.thumbhash)})`;
  }
  drawOverlay($(".overlay", view), analysis);
  if (job.status === "COMPLETED" && !view.dataset.variants) {
    view.dataset.variants = outputs.length;
    $(".variants", view).replaceChildren(...[...outputs].reverse().map(variant));
    $(".analysis", view).replaceChildren(...describe(analysis, source));
    if (job.delivery) showDelivery(view, job.delivery.url);
    if (job.delivery) offerEdits(view, job);
  }
  $(".notifications", view).textContent = job.notifications.length
    ? "notified: " + job.notifications.map((n) => `${n.platform} ${n.status}${n.simulated ? " (simulated)" : ""} at ${n.attemptedAt}`).join("; ")
    : (TERMINAL.has(job.status) ? "no deliveries recorded yet" : "");
}

// Any size on demand: the job's delivery URL with a transform; f_auto lets the browser's Accept
// pick AVIF or WebP.
function showDelivery(view, base) {
  const figure = $("figure.delivery", view);
  const slider = $("input.size", figure);
  const show = () => {
    const transform = `w_${slider.value},f_auto`;
    $("img.rendition", figure).src = `${base}/${transform}`;
    $("code.transform", figure).textContent = transform;
  };
  slider.addEventListener("change", show);
  figure.hidden = false;
  show();
}

// ---- edits asked after upload -----------------------------------------------------------

const EDIT_OPS = { redactFaces: { op: "redactFaces", style: "blur" }, blurBackground: { op: "blurBackground", radius: 12 } };
const SHOWN = "w_480,f_auto";

function offerEdits(view, job) {
  const section = $("section.edits", view);
  section.hidden = false;
  for (const edit of [...job.edits].reverse()) followEdit(view, job, edit.editId);
  $("form.edit-form", section).addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("select.op", section).value;
    try {
      const created = await api("POST", `/v1/jobs/${job.jobId}/edits`, { edits: [EDIT_OPS[name] || { op: name }] });
      followEdit(view, job, created.editId);
    } catch (error) {
      showError(view, error.code, error.message);
    }
  });
}

// Before and after, side by side: the job's delivery URL and the edit's, at the same transform.
async function followEdit(view, job, editId) {
  const pair = el("figure", { className: "edit", dataset: { editId } },
    el("img", { className: "before", src: `${job.delivery.url}/${SHOWN}`, alt: "before" }),
    el("img", { className: "after", alt: "after" }),
    el("figcaption", {}, ""));
  $(".edit-list", view).prepend(pair);
  for (;;) {
    let edit;
    try {
      edit = await api("GET", `/v1/jobs/${job.jobId}/edits/${editId}`);
    } catch (error) {
      pair.dataset.status = "REFUSED";
      $("figcaption", pair).textContent = `${error.code} ${error.message}`;
      return;
    }
    pair.dataset.status = edit.status;
    const ops = edit.edits.map((e) => e.op).join(" + ");
    const took = edit.processingMs != null ? ` in ${edit.processingMs} ms` : "";
    $("figcaption", pair).textContent = `${ops}: ${edit.status}${took}${edit.error ? ` ${edit.error.code} ${edit.error.message}` : ""}`;
    if (edit.status === "COMPLETED") $("img.after", pair).src = `${edit.delivery.url}/${SHOWN}`;
    if (TERMINAL.has(edit.status)) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function variant(output) {
  return el("figure", { className: "variant", dataset: { name: output.name } },
    el("img", { src: output.url, alt: output.name, width: output.width, height: output.height,
                style: `aspect-ratio: ${output.width} / ${output.height}; height: min(10rem, ${output.height}px); width: auto` }),
    el("figcaption", {}, `${output.name} ${output.width}×${output.height} ${output.contentType.split("/")[1]} ${(output.bytes / 1024).toFixed(1)} KB`));
}

// Boxes are ratios of the oriented original, as is every variant that is not cropped, and as a
// browser shows the original (EXIF orientation applied): one 0..1 viewBox fits them all.
function drawOverlay(svg, analysis) {
  const rects = [];
  for (const face of analysis.faces || []) rects.push(rect("face", face.box, `face ${face.confidence}%`));
  if (analysis.smartCrop) rects.push(rect("crop", analysis.smartCrop.box, `smart crop (${analysis.smartCrop.focus})`));
  for (const line of analysis.text || []) rects.push(rect("text", line.box, `text: ${line.text}`));
  svg.replaceChildren(...rects);
}

function rect(kind, box, title) {
  const label = svgElement("title");
  label.textContent = title;
  return svgElement("rect", { x: box.left, y: box.top, width: box.width, height: box.height, class: kind }, label);
}

function describe(analysis, base) {
  const rows = [];
  const row = (term, ...value) => rows.push(el("dt", {}, term), el("dd", {}, ...value));
  row("size", `${analysis.width}×${analysis.height} ${analysis.sourceFormat || ""}`);
  if (analysis.camera) row("camera", [analysis.camera.make, analysis.camera.model, analysis.camera.lens].filter(Boolean).join(" "));
  if (analysis.capturedAt) row("captured", analysis.capturedAt);
  if (analysis.placeholder?.thumbhash) row("placeholder", el("img", { className: "placeholder", src: placeholderUrl(analysis.placeholder.thumbhash), alt: "ThumbHash" }), ` ${analysis.placeholder.thumbhash}`);
  if (analysis.dominantColors) row("colours", ...analysis.dominantColors.map((c) => el("span", { className: "swatch", title: c, style: `background:${c}` })));
  if (analysis.faces) row("faces", `${analysis.faces.length} (red)`, ...analysis.faces.map((face) => faceCloseUp(base, analysis, face)));
  if (analysis.smartCrop) row("smart crop", `${analysis.smartCrop.focus} (dashed yellow)`);
  if (analysis.moderation) row("moderation", ...(analysis.moderation.length ? analysis.moderation.map((m) => el("span", { className: "label" }, `${m.name} ${m.confidence}%`)) : ["clean"]));
  if (analysis.text?.length) row("text (blue)", analysis.text.map((t) => t.text).join(" · "));
  if (analysis.sharpness != null) row("sharpness, brightness", `${analysis.sharpness}, ${analysis.brightness}`);
  if (analysis.provider) row("provider", analysis.provider);
  return rows;
}

// A face at a size one can see: the picture around its box, in the original's pixels (a
// variant that is not cropped has the same frame, stretched to them).
function faceCloseUp(source, analysis, face) {
  const { width: W, height: H } = analysis;
  const box = { x: face.box.left * W, y: face.box.top * H, w: face.box.width * W, h: face.box.height * H };
  const side = Math.min(Math.max(box.w, box.h) * 2.2, W, H);
  const x = Math.min(Math.max(box.x + box.w / 2 - side / 2, 0), W - side);
  const y = Math.min(Math.max(box.y + box.h / 2 - side / 2, 0), H - side);
  return svgElement("svg", { viewBox: `${x} ${y} ${side} ${side}`, class: "face-close-up" },
    svgElement("image", { href: source, x: 0, y: 0, width: W, height: H, preserveAspectRatio: "none" }),
    svgElement("rect", { x: box.x, y: box.y, width: box.w, height: box.h, class: "face" }));
}

function svgElement(tag, attributes = {}, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function placeholderUrl(base64) {
  return thumbHashToDataURL(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  const { dataset, style, ...rest } = props;
  Object.assign(node, rest);
  if (dataset) Object.assign(node.dataset, dataset);
  if (style) node.setAttribute("style", style);
  node.append(...children.map((c) => (c instanceof Node ? c : String(c))));
  return node;
}

// ---- the notification log ---------------------------------------------------------------

async function pollHooks() {
  for (;;) {
    if (state.user) {
      try {
        const log = await (await fetch(`hooks/${encodeURIComponent(state.user)}`, { headers: { Authorization: `Bearer ${state.token}` } })).json();
        $("#hooks").replaceChildren(...log.map((entry) => el("li", { className: entry.verified ? "ok" : "bad", dataset: { webhookId: entry.webhookId || "" } },
          `${new Date(entry.receivedAt * 1000).toLocaleTimeString()} ${entry.verified ? "✓" : "✗ " + entry.error} ${entry.type || ""} ${entry.data?.jobId || ""}`
          + (entry.data?.editId ? ` edit ${entry.data.editId}` : "")
          + (entry.data?.errorCode ? ` ${entry.data.errorCode}` : ""))));
      } catch { /* the console server restarting: try again */ }
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

// ---- wiring -----------------------------------------------------------------------------

const drop = $("#drop");
for (const type of ["dragenter", "dragover"]) drop.addEventListener(type, (e) => { e.preventDefault(); drop.classList.add("over"); });
for (const type of ["dragleave", "drop"]) drop.addEventListener(type, () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => { e.preventDefault(); [...e.dataTransfer.files].forEach(upload); });
$("#files").addEventListener("change", (e) => { [...e.target.files].forEach(upload); e.target.value = ""; });
$("#sign-in").addEventListener("submit", (e) => {
  e.preventDefault();
  problem("");
  signIn($("#token").value.trim()).catch((error) => problem(error.message));
});

state.api = (await (await fetch("config.json")).json()).apiBaseUrl;
const remembered = sessionStorage.getItem("photopipe-token");
if (remembered) { signIn(remembered).catch((error) => problem(error.message)); }
document.body.dataset.ready = "true";
pollHooks();
