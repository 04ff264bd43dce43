// The live header and cards, drawn in the browser from the push channel (sync_monitor/push).
//
// The page hands this component a token, the route's path and the state of the moment; the
// component opens one WebSocket, applies the published changes (the same rules as push/delta.py)
// and updates the page in place, with no Streamlit rerun. It tells the page three things: whether
// push works ("push": "on"/"off", so that the page falls back to timed reruns), when the queue,
// failures or charts changed (through the sections' own signal, sections.js, so that only those
// rerun), and a confirmed cancel ("cancel"). Backend text is only ever set with textContent.

const RETRY_MS = [1000, 2000, 5000, 10000];
const OPEN_TIMEOUT_MS = 5000; // no first message by then: push does not work from here
const REFRESH_BEFORE_MS = 30000; // ask the page for a new token this long before it expires
const ENDED_WAIT_MS = 5000; // a card gone with no outcome by then: "is no longer syncing"
const SILENT_MS = 40000; // the route sends at least a heartbeat every 15 s: silence means a dead link
// A state whose queue, failures or charts differ from what the page's sections show waits this
// long at most for the sections to redraw, so that header, cards and sections change together.
const HOLD_MS = 3000;
// The sections asked to redraw that have not after this long are asked again: an ask can be lost
// on the way (the rerun it caused merged away by Streamlit while another run of the page went
// on), and nothing else would ask before the next change, the page showing the old moment.
const ASK_AGAIN_MS = 3000;
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

function setText(node, text) {
  const value = text === null || text === undefined ? "" : String(text);
  if (node.textContent !== value) node.textContent = value;
}

function say(words) {
  return (words || []).map((w) => (typeof w === "string" ? w : clock(w.at, w.date))).join("");
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
    this.sectionsSent = null;
    this.sectionsAsked = { at: 0, attempt: 0 }; // the last ask for the sections to redraw
    this.heldSince = null; // when the shown header and cards began waiting for the sections
    this.gaveUpOn = null; // the sections' state waited for in vain (not waited for again)
    this.holdTimer = null;
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
    this.headerBox.append(this.status, this.banner, this.staleNote, this.counts, this.notes);
    this.heading = el("h3", "sm-heading", "Syncing now");
    this.heading.id = "syncing-now";
    this.heading.tabIndex = -1;
    this.empty = el("p", "sm-empty", "Nothing is syncing right now.");
    this.grid = el("div", "sm-grid");
    this.more = el("p", "sm-note");
    this.announcer = el("div", "sm-sr");
    this.announcer.setAttribute("aria-live", "polite");
    this.box.append(this.headerBox, this.heading, this.empty, this.grid, this.more, this.announcer);
    this.root.appendChild(this.box);
  }

  update(data, api) {
    this.api = api;
    const first = this.data === null;
    this.data = data;
    if (data.zone) zone = data.zone;
    this.box.hidden = data.mode !== "push";
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
    this.send("push", () => this.api.setStateValue("push", value));
  }

  connect() {
    this.retryTimer = null;
    const data = this.data;
    if (data.tokenExpires - Date.now() < REFRESH_BEFORE_MS) {
      // The page hands out a new token on its next run; this component connects then.
      this.send("token", () => this.api.setTriggerValue("token", Date.now()));
      this.retryTimer = setTimeout(() => this.connect(), RETRY_MS[0]);
      return;
    }
    const url = new URL(data.path, window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("token", data.token);
    if (this.epoch) {
      url.searchParams.set("epoch", this.epoch);
      url.searchParams.set("seq", String(this.seq));
    }
    let socket;
    try {
      socket = new WebSocket(url.toString());
    } catch (e) {
      return this.failed();
    }
    this.socket = socket;
    this.opened = false;
    const guard = setTimeout(() => { if (!this.opened) socket.close(); }, OPEN_TIMEOUT_MS);
    socket.onmessage = (event) => {
      clearTimeout(guard);
      this.heard = Date.now();
      this.opened = true;
      this.failures = 0;
      this.report("on");
      this.receive(event.data);
    };
    socket.onclose = () => {
      clearTimeout(guard);
      if (this.socket === socket) this.socket = null;
      this.failed();
    };
  }

  failed() {
    if (this.closed) return;
    this.failures += 1;
    if (this.failures >= 2) this.report("off");
    this.showReconnecting();
    const wait = RETRY_MS[Math.min(this.failures - 1, RETRY_MS.length - 1)];
    this.retryTimer = setTimeout(() => this.connect(), wait * (0.8 + Math.random() * 0.4));
  }

  receive(text) {
    // The sign-in keeper (keeper.js) checks in on these too: a hidden tab's timers are slowed.
    window.dispatchEvent(new Event("sync-monitor-beat"));
    let message;
    try {
      message = JSON.parse(text);
    } catch (e) {
      return;
    }
    if (typeof message.now === "number") this.skew = message.now - Date.now();
    if (message.type === "full") {
      this.state = message.state;
    } else if (message.type === "delta" && this.state && message.epoch === this.epoch && message.seq === this.seq + 1) {
      this.state = applyChange(this.state, message.change);
    } else if (message.type === "delta") {
      // Out of step (should not happen): start over with the full state.
      if (this.socket) this.socket.close();
      this.epoch = null;
      return;
    } else {
      return;
    }
    this.epoch = message.epoch;
    this.seq = message.seq;
    if (!this.data.paused) this.render();
  }

  showReconnecting() {
    if (!this.state || this.data.mode !== "push") return;
    setText(this.rest, " · live updates reconnecting…");
  }

  render() {
    const state = this.state;
    if (!state || this.data.paused) return;
    if (state.sections !== this.sectionsSent && this.data.mode === "push") {
      this.sectionsSent = state.sections;
      if (state.sections !== this.drawnSections()) {
        const again = this.sectionsAsked.digest === state.sections;
        const attempt = again ? this.sectionsAsked.attempt + 1 : 0;
        this.sectionsAsked = { at: Date.now(), attempt, digest: state.sections };
        const sections = { seq: this.seq, digest: state.sections, attempt };
        this.send("sections", () => {
          // To the sections' own signal (sections.js), which asks their fragment to rerun.
          window.__syncMonitorSections = sections;
          window.dispatchEvent(new CustomEvent("sync-monitor-sections", { detail: sections }));
        });
      }
    }
    if (this.holding(state)) return;
    this.renderHeader(state);
    this.renderCards(state);
  }

  // The digest of what the page's sections draw now: they mark it in the page (app_pages/live.py).
  drawnSections() {
    const marks = document.querySelectorAll("[data-sm-sections]");
    return marks.length ? marks[marks.length - 1].getAttribute("data-sm-sections") : this.data.sections;
  }

  // One moment per page: a state that changes the sections is shown once they have redrawn
  // (or after HOLD_MS, whatever happens), never before; checked again every 50 ms meanwhile.
  holding(state) {
    const settled = state.sections === this.drawnSections() || state.sections === this.gaveUpOn;
    if (this.data.mode !== "push" || !state.loaded || settled) {
      this.heldSince = null;
      return false;
    }
    if (this.heldSince === null) this.heldSince = Date.now();
    if (Date.now() - this.heldSince >= HOLD_MS) {
      // The sections did not redraw in time: show it, and do not wait for them again on
      // this state (later changes of the cards alone go straight through).
      this.gaveUpOn = state.sections;
      this.heldSince = null;
      return false;
    }
    clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(() => this.render(), 50);
    return true;
  }

  renderHeader(state) {
    this.dot.className = state.live ? "sm-dot sm-ok" : "sm-dot sm-bad";
    this.status.hidden = !state.loaded;
    setText(this.line, say(state.line));
    const updated = state.updated ? ` · updated ${say(state.updated)}` : "";
    setText(this.rest, `${updated} · ${say(state.source)}`);
    this.banner.hidden = !state.banner;
    if (state.banner) {
      this.banner.className = `sm-banner sm-${state.banner.level}`;
      setText(this.banner, say(state.banner.words));
    }
    this.staleNote.hidden = !state.stale;
    setText(this.staleNote, say(state.stale));
    this.counts.hidden = !state.loaded;
    if (this.counts.childElementCount !== state.counts.length) {
      this.counts.replaceChildren(...state.counts.map(() => {
        const box = el("div", "sm-count");
        box.append(el("span", "sm-count-label"), el("span", "sm-count-value"));
        return box;
      }));
    }
    state.counts.forEach(([label, n], i) => {
      const box = this.counts.children[i];
      setText(box.children[0], label);
      setText(box.children[1], n);
    });
    this.notes.hidden = !state.notes;
    setText(this.notes, state.notes);
  }

  renderCards(state) {
    const showCards = state.loaded || state.skeleton;
    this.heading.hidden = !showCards;
    this.empty.hidden = !(state.loaded && state.cards.length === 0);
    const seen = new Set();
    const previous = new Map(this.cards);
    state.cards.forEach((card, i) => {
      seen.add(card.key);
      let view = this.cards.get(card.key);
      if (!view) {
        view = this.newCard(card.key);
        this.cards.set(card.key, view);
      }
      this.fillCard(view, card);
      if (this.grid.children[i] !== view.node) this.grid.insertBefore(view.node, this.grid.children[i] || null);
    });
    for (const [key, view] of previous) {
      if (seen.has(key)) continue;
      const hadFocus = view.node.contains(document.activeElement) || view.node.contains(this.root.activeElement);
      view.node.remove();
      this.cards.delete(key);
      // How it ended may come a moment later (a stream's last frame, the next poll).
      this.leaving.set(key, { job: view.card.job, name: view.card.name, at: Date.now() });
      if (hadFocus) this.refocus();
    }
    this.announceEnds(state);
    if (state.skeleton && state.cards.length === 0) {
      this.grid.classList.add("sm-skeleton");
      if (!this.grid.childElementCount) for (let i = 0; i < 3; i++) this.grid.append(el("div", "sm-card sm-placeholder", "Loading syncs…"));
    } else if (this.grid.classList.contains("sm-skeleton")) {
      this.grid.classList.remove("sm-skeleton");
      for (const node of [...this.grid.querySelectorAll(".sm-placeholder")]) node.remove();
    }
    this.more.hidden = !state.more;
    setText(this.more, state.more ? `${state.more} more active syncs: see the table below.` : "");
  }

  announceEnds(state) {
    const said = [];
    for (const [key, gone] of this.leaving) {
      const outcome = gone.job && state && state.ended ? state.ended[gone.job] : null;
      if (outcome) said.push(`${quoted(gone.name)} ${outcome}.`);
      else if (Date.now() - gone.at > ENDED_WAIT_MS) said.push(`${quoted(gone.name)} is no longer syncing.`);
      else continue;
      this.leaving.delete(key);
    }
    if (said.length) this.announce(said.join(" "));
  }

  refocus() {
    const next = this.grid.querySelector("button:not([hidden])");
    (next || this.heading).focus();
  }

  announce(text) {
    this.announcer.textContent = text;
  }

  newCard(key) {
    const node = el("article", "sm-card");
    node.dataset.key = key;
    const title = el("div", "sm-title");
    const name = el("span", "sm-name");
    const badge = el("span", "sm-badge");
    title.append(name, badge);
    // A long name is cut on the server (the card stays a card); "Show all" opens the rest in a
    // box that scrolls.
    const more = el("button", "sm-link", "Show all");
    more.type = "button";
    more.hidden = true;
    more.setAttribute("aria-expanded", "false");
    const full = el("p", "sm-full");
    full.hidden = true;
    more.onclick = () => {
      full.hidden = !full.hidden;
      setText(more, full.hidden ? "Show all" : "Show less");
      more.setAttribute("aria-expanded", String(!full.hidden));
    };
    const progress = el("p", "sm-progress-text");
    const bar = el("div", "sm-bar");
    bar.setAttribute("role", "progressbar");
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", "100");
    const fill = el("div", "sm-fill");
    bar.append(fill);
    const details = el("p", "sm-details");
    const elapsed = el("span", "sm-elapsed");
    const rest = el("span", "sm-rest");
    const failed = el("span", "sm-failed");
    details.append(elapsed, rest, failed);
    const stalled = el("p", "sm-stalled");
    const cancel = el("div", "sm-cancel");
    node.append(title, more, full, progress, bar, details, stalled, cancel);
    return { node, name, badge, more, full, progress, bar, fill, elapsed, rest, failed, stalled, cancel, card: null, cancelShown: null };
  }

  fillCard(view, card) {
    const old = view.card;
    view.card = card;
    setText(view.name, card.name);
    view.more.hidden = !card.fullName;
    if (!card.fullName) view.full.hidden = true;
    setText(view.full, card.fullName);
    setText(view.badge, card.platform);
    view.badge.dataset.platform = card.platform.toLowerCase();
    setText(view.progress, card.progress);
    view.bar.setAttribute("aria-label", card.label);
    if (card.fraction === null) {
      view.bar.removeAttribute("aria-valuenow");
      view.fill.style.width = "0%";
    } else {
      const pct = Math.round(card.fraction * 100);
      view.bar.setAttribute("aria-valuenow", String(pct));
      view.fill.style.width = `${pct}%`;
    }
    this.fillElapsed(view);
    const parts = [...card.details];
    if (card.stream) parts.push(card.stream);
    setText(view.rest, parts.length ? ` · ${parts.join(" · ")}` : "");
    setText(view.failed, card.failed ? ` · ${card.failed}` : "");
    view.stalled.hidden = !card.stalled;
    setText(view.stalled, card.stalled);
    const cancelKey = `${card.cancel}|${card.cancelNote}|${card.name}|${this.data.canAct}`;
    if (!old || view.cancelShown !== cancelKey) {
      if (this.confirming !== card.key || card.cancel !== "offered") this.drawCancel(view, card);
      view.cancelShown = cancelKey;
    }
  }

  fillElapsed(view) {
    const card = view.card;
    const seconds = card.started === null ? null : (Date.now() + this.skew - card.started) / 1000;
    setText(view.elapsed, `${card.elapsedPrefix} ${duration(seconds)}`);
  }

  drawCancel(view, card) {
    const box = view.cancel;
    if (this.confirming === card.key) this.confirming = null;
    if (card.cancel !== "offered") {
      box.replaceChildren(...(card.cancelNote ? [el("p", "sm-note", card.cancelNote)] : []));
      return;
    }
    if (!this.data.canAct) {
      // A courtesy: the hub refuses a viewer's cancel whatever reaches it.
      box.replaceChildren(el("p", "sm-note", "Cancel is for operators."));
      return;
    }
    const ask = el("button", "sm-button", `Cancel ${quoted(card.name)}`);
    ask.type = "button";
    ask.onclick = () => this.confirm(view, card);
    box.replaceChildren(ask);
  }

  confirm(view, card) {
    this.confirming = card.key;
    const box = view.cancel;
    const question = el("p", "sm-question", "Stop this sync? Campaigns already synced stay synced.");
    const yes = el("button", "sm-button sm-primary", "Yes, cancel this sync");
    yes.type = "button";
    const no = el("button", "sm-button", "Keep it syncing");
    no.type = "button";
    const back = () => {
      this.confirming = null;
      this.drawCancel(view, view.card);
      const again = view.cancel.querySelector("button");
      if (again) again.focus();
    };
    no.onclick = back;
    box.onkeydown = (event) => { if (event.key === "Escape" && this.confirming === card.key) back(); };
    yes.onclick = () => {
      this.confirming = null;
      box.replaceChildren(el("p", "sm-note", "Cancelling…"));
      box.tabIndex = -1;
      box.focus();
      const cancel = { job: card.job, name: card.name, at: Date.now() };
      this.send("cancel", () => this.api.setTriggerValue("cancel", cancel));
    };
    const row = el("div", "sm-row");
    row.append(yes, no);
    box.replaceChildren(question, row);
    yes.focus();
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
    if (this.leaving.size) this.announceEnds(this.state);
    this.askAgain();
  }

  // Sections still not redrawn ASK_AGAIN_MS after they were asked: ask again.
  askAgain() {
    const state = this.state;
    if (!state || this.data.mode !== "push" || state.sections === this.drawnSections()) return;
    if (Date.now() - this.sectionsAsked.at < ASK_AGAIN_MS) return;
    this.sectionsSent = null;
    this.render();
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
