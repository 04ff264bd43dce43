// The queue, drawn in place from the pushed state: the head of the queue (and every set a retry
// just queued) as rows, the rest in a table behind a disclosure. Waiting times and estimated
// starts are worded here from the rows' moments (push/rows.py), so that time passing reruns
// nothing; stale figures stop at their time (`state.until`).
// Methods of the live component (live.js), joined to it in one module by ui/push.py.

const QUEUE_SHOWN = 3; // as ui/queue.py: the queue collapses past this many

Object.assign(Live.prototype, {
  buildQueue() {
    const box = el("section", "sm-section sm-queue");
    const heading = el("h3", "sm-subheading", "Queue");
    this.queueNote = el("p", "sm-note");
    this.queueRows = el("div", "sm-rows");
    this.queueMore = el("p", "sm-note");
    this.queueRest = el("details", "sm-rest-of-queue");
    const summary = el("summary", null, "The rest of the queue");
    this.queueTable = el("table", "sm-table");
    const head = el("tr");
    for (const name of ["#", "Campaign set", "Platform", "Waiting", "Starts"]) {
      const th = el("th", null, name);
      th.scope = "col";
      head.append(th);
    }
    const thead = el("thead");
    thead.append(head);
    this.queueBody = el("tbody");
    this.queueTable.append(thead, this.queueBody);
    this.queueRest.append(summary, this.queueTable);
    this.queueRest.addEventListener("toggle", () => this.fillQueueTimes(this.state));
    this.queueFoot = el("p", "sm-note");
    box.append(heading, this.queueNote, this.queueRows, this.queueMore, this.queueRest, this.queueFoot);
    this.queueViews = new Map();
    return box;
  },

  // The moment the page's times are counted to: now, or the time stale figures are from.
  nowMs(state) {
    return state.until === null || state.until === undefined ? Date.now() + this.skew : state.until;
  },

  renderQueue(state) {
    const loaded = state.loaded;
    setHidden(this.queueBox, !(loaded || state.skeleton));
    const rows = loaded ? state.queue : [];
    setHidden(this.queueNote, loaded && rows.length > 0);
    setText(this.queueNote, loaded ? "The queue is empty: new syncs start at once." : "Loading the queue…");
    const pinned = rows.filter((r, i) => i < QUEUE_SHOWN || r.optimistic || r.just_queued);
    const rest = rows.filter((r, i) => !(i < QUEUE_SHOWN || r.optimistic || r.just_queued));
    const seen = new Set();
    pinned.forEach((row, i) => {
      seen.add(row.key);
      let view = this.queueViews.get(row.key);
      if (!view) {
        view = this.newQueueRow();
        this.queueViews.set(row.key, view);
      }
      view.row = row;
      setText(view.position, `#${row.position}`);
      setText(view.name, ` ${row.name} `);
      setText(view.badge, row.platform);
      view.badge.dataset.platform = row.platform.toLowerCase();
      setHidden(view.fresh, !row.just_queued);
      if (this.queueRows.children[i] !== view.node) this.queueRows.insertBefore(view.node, this.queueRows.children[i] || null);
    });
    for (const [key, view] of this.queueViews) {
      if (seen.has(key)) continue;
      view.node.remove();
      this.queueViews.delete(key);
    }
    setHidden(this.queueMore, rest.length === 0);
    setText(this.queueMore, `${rest.length} more in the queue.`);
    setHidden(this.queueRest, rest.length === 0);
    this.queueRestRows = rest;
    const timed = rows.some((r) => !r.optimistic && !r.at_least);
    setHidden(this.queueFoot, !loaded || rows.length === 0);
    setText(this.queueFoot, timed
      ? `Estimates assume ${state.workers} worker${state.workers === 1 ? "" : "s"} and the durations seen per platform; ranges run from typical to slow.`
      : "This backend gives no queue times: the queue is in the order the monitor saw the syncs queued, and there are no start estimates.");
    this.fillQueueTimes(state);
  },

  newQueueRow() {
    const node = el("div", "sm-qrow");
    const title = el("p", "sm-qtitle");
    const position = el("strong");
    const name = el("span", "sm-name");
    const badge = el("span", "sm-badge");
    const fresh = el("span", "sm-badge sm-fresh", "queued by your retry");
    title.append(position, name, badge, " ", fresh);
    const when = el("p", "sm-qwhen");
    node.append(title, when);
    return { node, position, name, badge, fresh, when, row: null };
  },

  // Seconds from `now` to a moment; an estimate past its time while no worker is free says
  // "in ~1 s", never "now" (push/rows.py: `free`).
  startsIn(row, now) {
    if (row.low === null) return [null, null];
    const floor = row.free ? 0 : 1;
    const low = Math.max(floor, (row.low - now) / 1000);
    const high = row.high === null ? null : Math.max(low, (row.high - now) / 1000);
    return [low, high];
  },

  queueWhen(row, now) {
    let when;
    if (row.optimistic) when = "queued again by your retry – confirming…";
    else if (row.at_least) when = `queued for at least ${duration((now - row.since) / 1000)} (since the monitor saw it)`;
    else when = `waiting ${duration((now - row.since) / 1000)} · starts ${waitRange(...this.startsIn(row, now))}`;
    const extra = [];
    if (row.tries && row.tries[0] > 1) extra.push(`try ${row.tries[0]} of ${row.tries[1]}`);
    if (row.held !== null) extra.push(`held until ${clock(row.held, false)}`);
    return extra.length ? `${when} · ${extra.join(" · ")}` : when;
  },

  // What follows the clock: every second, and after each change.
  fillQueueTimes(state) {
    if (!state || !state.loaded) return;
    const now = this.nowMs(state);
    for (const view of this.queueViews.values()) setText(view.when, this.queueWhen(view.row, now));
    if (!this.queueRest.open) return; // the table is filled only while someone looks at it
    const rows = this.queueRestRows || [];
    while (this.queueBody.childElementCount > rows.length) this.queueBody.lastChild.remove();
    while (this.queueBody.childElementCount < rows.length) {
      const tr = el("tr");
      for (let i = 0; i < 5; i++) tr.append(el("td"));
      this.queueBody.append(tr);
    }
    rows.forEach((row, i) => {
      const cells = this.queueBody.children[i].children;
      const [low, high] = this.startsIn(row, now);
      setText(cells[0], String(row.position));
      setText(cells[1], row.name);
      setText(cells[2], row.platform);
      setText(cells[3], (row.at_least ? "≥ " : "") + shortDuration((now - row.since) / 1000));
      setText(cells[4], shortRange(low, high) + (row.held !== null ? " (held)" : ""));
    });
  },
});
