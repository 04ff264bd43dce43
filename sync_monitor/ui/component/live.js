// The live page's header, cards, queue and failures, drawn in the browser from the push channel
// (sync_monitor/push).
//
// The page hands this component a token, the route's path and the state of the moment; the
// component opens one WebSocket, applies the published changes (the same rules as push/delta.py)
// and updates the page in place, with no Streamlit rerun: all it draws comes from one pushed
// state, so header, cards, queue, failures and charts agree by construction, and what follows
// the clock (running for, waiting for, starts in, ago) is worded here, every second: a tab nobody
// touches reruns no Streamlit script. It tells the page three things: whether push works (so
// that the page falls back to timed reruns), a confirmed cancel, and a retry. Backend text is
// only ever set with textContent. Every name the page and the components share (reports,
// events) comes in `data.names`, from sync_monitor/push/protocol.py, the one source of the
// protocol.
//
// One module, joined by ui/push.py in this order: shared.js (what the server computes alike),
// this file (the component: its state, its life, what it reports), live_socket.js (the push
// channel), live_cards.js (header and cards), live_cancel.js, live_queue.js, live_failures.js,
// live_summary.js (the charts, and the table of the syncs beyond the cards), live_triage.js (the
// attention line and the group retry under way).

const SILENT_MS = 40000; // the route sends at least a heartbeat every 15 s: silence means a dead link
const controllers = new WeakMap();

// Leaving the page. Streamlit merges the reruns the browser asks for, and the newest one names
// the page to run: a report sent between a click on the menu (a page link, Back) and the new
// page's first run would bring this page back, and the viewer's click would be lost. From such a
// click, reports wait (the latest of each kind) until this component is gone with the page, or
// NAVIGATING_MS has passed and the click led nowhere. A component drawn after the click (the page
// the viewer went to) starts afresh.
const NAVIGATING_MS = 15000;
let navigatingSince = -Infinity;

function startsNavigation(event) {
  // A click that opens another tab or window leaves this page where it is.
  if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
  const link = event.composedPath().find((n) => n instanceof HTMLAnchorElement && n.href);
  if (!link || (link.target && link.target !== "_self")) return;
  if (link.origin === location.origin && link.pathname !== location.pathname) {
    navigatingSince = Date.now();
  }
}
document.addEventListener("click", startsNavigation, true);
window.addEventListener("popstate", () => {
  navigatingSince = Date.now();
});

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

// Written only when it differs: fifty tabs draw every message, and a write restyles.
function setHidden(node, hidden) {
  const value = Boolean(hidden);
  if (node.hidden !== value) node.hidden = value;
}

function setText(node, text) {
  const value = text === null || text === undefined ? "" : String(text);
  if (node.textContent !== value) node.textContent = value;
}

function say(words) {
  return (words || []).map((w) => (typeof w === "string" ? w : clock(w.at, w.date))).join("");
}

// A progress bar (0–100), its fill inside: a card's, the group retry's.
function progressBar() {
  const bar = el("div", "sm-bar");
  bar.setAttribute("role", "progressbar");
  bar.setAttribute("aria-valuemin", "0");
  bar.setAttribute("aria-valuemax", "100");
  const fill = el("div", "sm-fill");
  bar.append(fill);
  return { bar, fill };
}

function quoted(name) {
  const short = name.length > 40 ? `${name.slice(0, 39).trimEnd()}…` : name;
  return `“${short}”`;
}

class Live {
  constructor(root) {
    navigatingSince = -Infinity; // drawn: whatever navigation there was has arrived
    this.root = root;
    this.data = null;
    this.state = null;
    this.epoch = null;
    this.seq = 0;
    this.skew = 0; // server clock minus browser clock
    this.socket = null;
    this.failures = 0;
    this.opened = false;
    this.cards = new Map();
    this.leaving = new Map(); // cards gone whose end is not announced yet
    this.confirming = null;
    this.summaryDrawn = null; // the figures the charts show
    this.pushReported = null;
    this.waiting = new Map(); // reports held while the viewer leaves the page: name -> send
    this.waitTimer = null;
    this.timer = setInterval(() => this.tick(), 1000);
    this.build();
  }

  build() {
    this.box = el("div", "sm-live");
    this.headerBox = el("div", "sm-header");
    this.status = el("p", "sm-status");
    this.dot = el("span", "sm-dot");
    this.dot.setAttribute("aria-hidden", "true");
    this.line = el("strong", "sm-line");
    this.rest = el("span", "sm-rest");
    this.status.append(this.dot, this.line, this.rest);
    this.banner = el("p", "sm-banner");
    this.banner.setAttribute("role", "status");
    this.staleNote = el("p", "sm-note");
    this.counts = el("div", "sm-counts");
    this.notes = el("p", "sm-note");
    this.attentionLine = this.buildAttention();
    this.headerBox.append(this.status, this.banner, this.staleNote, this.counts, this.attentionLine, this.notes);
    this.heading = el("h3", "sm-heading", "Syncing now");
    this.heading.id = "syncing-now";
    this.heading.tabIndex = -1;
    this.empty = el("p", "sm-empty", "Nothing is syncing right now.");
    this.grid = el("div", "sm-grid");
    this.more = el("p", "sm-note");
    this.announcer = el("div", "sm-sr");
    this.announcer.setAttribute("aria-live", "polite");
    this.othersBox = this.buildOthers();
    // Triage first (issue 23): the group retry and the failures by cause come before the
    // running syncs, so that failures are on the first screen however many syncs run.
    this.batchBox = this.buildBatch();
    this.failuresBox = this.buildFailures();
    this.sections = el("div", "sm-sections");
    this.queueBox = this.buildQueue();
    this.sections.append(this.queueBox);
    this.summaryBox = this.buildSummary();
    this.box.append(this.headerBox, this.batchBox, this.failuresBox, this.heading, this.empty, this.grid, this.more, this.othersBox, this.sections, this.summaryBox, this.announcer);
    // One box per component: a component Streamlit mounts again in the same element (its
    // cleanup ran, then a new mount) must not find the old one's box still drawn beside its own.
    for (const old of this.root.querySelectorAll(":scope > .sm-live")) old.remove();
    this.root.appendChild(this.box);
  }

  update(data, api) {
    this.api = api;
    const first = this.data === null;
    this.data = data;
    if (data.zone) zone = data.zone;
    setHidden(this.box, data.mode !== data.names.modePush);
    if (first && data.state) {
      this.state = data.state;
      this.seq = data.seq || 0;
      this.epoch = data.epoch || null;
    }
    this.render(); // also after a pause ends

    if (!data.enabled) return this.close();
    if (!this.socket && !this.retryTimer) this.connect();
  }

  report(value) {
    if (this.pushReported === value) return;
    this.pushReported = value;
    this.send("push", () => this.api.setStateValue(this.data.names.push, value));
  }

  // Report to the page now, or once the viewer is no longer leaving it (see NAVIGATING_MS).
  send(name, report) {
    const left = navigatingSince + NAVIGATING_MS - Date.now();
    if (left <= 0) return report();
    this.waiting.set(name, report);
    clearTimeout(this.waitTimer);
    this.waitTimer = setTimeout(() => {
      const held = [...this.waiting.values()];
      this.waiting.clear();
      if (!this.closed) for (const send of held) send();
    }, left);
  }

  tick() {
    if (this.socket && this.opened && Date.now() - this.heard > SILENT_MS) this.socket.close();
    if (!this.data || this.data.paused) return;
    for (const view of this.cards.values()) this.fillElapsed(view);
    this.fillQueueTimes(this.state);
    this.fillFailureTimes(this.state);
    this.fillOthers(this.state);
    if (this.state && this.state.loaded) {
      this.renderAttention(this.state); // the longest wait, counted on
      if (this.state.batch) this.renderBatch(this.state); // "next in 4 s"
    }
    if (this.retriesAsked.size) this.renderFailures(this.state, false); // a click unanswered
    if (this.leaving.size) this.announceEnds(this.state);
  }

  // Draw the state; `change`: the pushed change that led to it, so that only the parts it
  // touches are drawn again (null: all of them). Fifty tabs on one machine draw every message:
  // a message that moves one card must cost one card.
  render(change = null) {
    const state = this.state;
    if (!state || this.data.paused) return;
    const lists = change ? change.lists || {} : null;
    const touched = (...names) => change === null || names.some((n) => n in change || n in lists);
    const everywhere = touched("loaded", "skeleton", "until");
    this.renderHeader(state);
    // A pushed change keeps the items it does not name as they were (the same objects), so an
    // item drawn from another object is one that changed.
    if (everywhere || touched("cards", "more", "ended")) this.renderCards(state, everywhere || change === null);
    if (everywhere || touched("others")) this.fillOthers(state);
    if (everywhere || touched("queue", "workers")) this.renderQueue(state);
    if (everywhere || touched("failures", "groups", "held_back")) this.renderFailures(state, everywhere || touched("held_back"));
    if (everywhere || touched("attention")) this.renderAttention(state);
    if (everywhere || touched("batch")) this.renderBatch(state);
    if (everywhere || touched("summary")) this.renderSummary(state);
  }

  close() {
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    clearTimeout(this.waitTimer);
    this.retryTimer = null;
    if (this.socket) this.socket.close();
    this.socket = null;
  }
}

export default function (component) {
  const { parentElement, data, setStateValue, setTriggerValue } = component;
  let live = controllers.get(parentElement);
  if (!live || live.closed) {
    live = new Live(parentElement);
    controllers.set(parentElement, live);
  }
  live.update(data, { setStateValue, setTriggerValue });
  return () => {
    live.close();
    controllers.delete(parentElement);
  };
}
