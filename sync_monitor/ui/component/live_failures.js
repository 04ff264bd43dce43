// The failures of the last 24 hours, drawn in place from the pushed state, grouped by cause
// (category × error signature × platform, triage/groups.py): a disclosure per group whose line
// says the category, the platform, how many failures in how many sets and when, and inside it
// a disclosure per failure with its advice, the error as sent (plain text) and Retry, which
// hands the page the retry (the same hub action as the server-drawn button: one POST, roles
// checked and audited there). A clicked Retry says "Retrying…" until the service has answered.
// "Retry this group…" hands the page the group, which shows the dry run (ui/batch.py).
// Methods of the live component (live.js), joined to it in one module by ui/push.py.

const GROUPS_PAGE = 25; // groups shown at first, and per "Show more"
const ERROR_LIMIT = 2000; // characters of an error shown at first; "Show all" gives the rest
const RETRY_WAIT_MS = 30000; // a click the pushed state never answered stops saying "Retrying…"

Object.assign(Live.prototype, {
  buildFailures() {
    const box = el("section", "sm-section sm-failures");
    this.failuresHeading = el("h3", "sm-subheading", "Failed in the last 24 hours");
    this.failuresHeading.tabIndex = -1;
    this.failuresNote = el("p", "sm-note");
    this.failuresOk = el("p", "sm-empty sm-success", "No failed syncs in the last 24 hours.");
    this.failuresList = el("div", "sm-rows");
    this.failuresShownNote = el("p", "sm-note");
    this.failuresMore = el("button", "sm-button");
    this.failuresMore.type = "button";
    this.failuresMore.onclick = () => {
      this.groupsShown += GROUPS_PAGE;
      this.renderFailures(this.state);
    };
    box.append(this.failuresHeading, this.failuresNote, this.failuresOk, this.failuresList, this.failuresShownNote, this.failuresMore);
    this.failureViews = new Map();
    this.groupViews = new Map();
    this.groupsShown = GROUPS_PAGE;
    this.retriesAsked = new Map(); // set id -> { at, seen, refused }: clicked, no answer seen yet
    return box;
  },

  // `refill`: fill every failure again (else only those whose words changed: live.js render).
  renderFailures(state, refill = true) {
    const loaded = state.loaded;
    setHidden(this.failuresBox, !(loaded || state.skeleton));
    const all = loaded ? state.failures : [];
    const groups = loaded ? state.groups || [] : [];
    setHidden(this.failuresNote, loaded);
    setText(this.failuresNote, "Loading failures…");
    setHidden(this.failuresOk, !loaded || all.length > 0);
    const byKey = new Map(all.map((row) => [row.key, row]));
    const shownGroups = groups.slice(0, this.groupsShown);
    const seen = new Set();
    const seenGroups = new Set();
    const given = new Set(); // retries clicked that the pushed state never answered
    for (const [set, asked] of this.retriesAsked) {
      if (!all.some((r) => r.set_id === set) || Date.now() - asked.at > RETRY_WAIT_MS) {
        this.retriesAsked.delete(set);
        given.add(set);
      }
    }
    let lostFocus = null;
    shownGroups.forEach((group, g) => {
      seenGroups.add(group.key);
      let gview = this.groupViews.get(group.key);
      if (!gview) {
        gview = this.newGroup();
        // One cause only: its failures are shown at once (nothing to choose between).
        gview.node.open = groups.length === 1;
        this.groupViews.set(group.key, gview);
      }
      if (refill || gview.group !== group) this.fillGroup(gview, group, state);
      if (this.failuresList.children[g] !== gview.node) this.failuresList.insertBefore(gview.node, this.failuresList.children[g] || null);
      group.members.forEach((key, i) => {
        const row = byKey.get(key);
        if (!row) return;
        seen.add(key);
        let view = this.failureViews.get(key);
        if (!view) {
          view = this.newFailure();
          this.failureViews.set(key, view);
          this.fillFailure(view, row, state);
        } else if (refill || view.row !== row || this.retriesAsked.has(row.set_id) || given.has(row.set_id)) {
          this.fillFailure(view, row, state);
        }
        if (gview.list.children[i] !== view.node) gview.list.insertBefore(view.node, gview.list.children[i] || null);
      });
    });
    for (const [key, view] of this.failureViews) {
      if (seen.has(key)) continue;
      if (view.node.contains(document.activeElement) || view.node.contains(this.root.activeElement)) {
        const gview = [...this.groupViews.values()].find((v) => v.list.contains(view.node));
        lostFocus = gview && seenGroups.has(gview.group.key) ? { gview, at: [...gview.list.children].indexOf(view.node) } : { gview: null, at: 0 };
      }
      view.node.remove();
      this.failureViews.delete(key);
    }
    for (const [key, gview] of this.groupViews) {
      if (seenGroups.has(key)) continue;
      if (!lostFocus && (gview.node.contains(document.activeElement) || gview.node.contains(this.root.activeElement))) lostFocus = { gview: null, at: 0 };
      gview.node.remove();
      this.groupViews.delete(key);
    }
    // A retried failure leaves the list once queued: focus moves to the one that took its place
    // (in its group, else the group's line, else the heading).
    if (lostFocus !== null) {
      const list = lostFocus.gview ? lostFocus.gview.list : null;
      const next = list ? list.children[Math.min(lostFocus.at, list.childElementCount - 1)] : null;
      const target = next ? next.querySelector("summary") : lostFocus.gview ? lostFocus.gview.summary : this.failuresList.querySelector("summary");
      (target || this.failuresHeading).focus();
    }
    const more = groups.length - shownGroups.length;
    setHidden(this.failuresShownNote, more <= 0);
    setText(this.failuresShownNote, `Showing ${shownGroups.length} of ${groups.length} causes, the most failures first.`);
    setHidden(this.failuresMore, more <= 0);
    setText(this.failuresMore, `Show ${Math.min(GROUPS_PAGE, more)} more causes`);
    this.fillFailureTimes(state);
  },

  newGroup() {
    const node = el("details", "sm-group");
    const summary = el("summary", "sm-group-label");
    const line = el("span", "sm-group-line");
    const example = el("span", "sm-group-example");
    summary.append(line, example);
    const advice = el("p", "sm-note");
    const when = el("p", "sm-note");
    const retry = el("button", "sm-button");
    retry.type = "button";
    const note = el("p", "sm-note");
    const list = el("div", "sm-rows");
    node.append(summary, advice, when, retry, note, list);
    const view = { node, summary, line, example, advice, when, retry, note, list, group: null };
    retry.onclick = () => this.retryGroup(view);
    return view;
  },

  fillGroup(view, group, state) {
    view.group = group;
    const failures = `${group.count} ${group.count === 1 ? "failure" : "failures"}`;
    const sets = group.sets === group.count ? "" : ` in ${group.sets} ${group.sets === 1 ? "set" : "sets"}`;
    const last = group.last === null ? "" : ` · last ${clock(group.last, true)}`;
    // The history's word for the cause (new, regressed, escalating…), once it has been read.
    const known = group.state ? ` · ${group.state}` : "";
    setText(view.line, `${group.label} · ${group.platform} · ${failures}${sets}${last}${known}`);
    setText(view.example, ` — ${group.example}`);
    setText(view.advice, group.advice);
    const since = group.first === null ? "The service did not say when they failed." : `First seen ${clock(group.first, true)}, last seen ${clock(group.last, true)}.`;
    const recovery = group.recovery ? ` Sets recovered from it in ${group.recovery} (median).` : "";
    setText(view.when, since + recovery);
    const offered = this.data.canAct && group.sets > 0;
    setHidden(view.retry, !offered);
    setText(view.retry, "Retry this group…");
    view.retry.disabled = Boolean(state.held_back);
    const note = !this.data.canAct ? "" : state.held_back ? `Retry is unavailable: ${state.held_back}.` : "";
    setHidden(view.note, !note);
    setText(view.note, note);
  },

  retryGroup(view) {
    if (!view.group || !this.data.canAct || this.state.held_back) return;
    const asked = { keys: [view.group.key], at: Date.now() };
    this.send("group", () => this.api.setTriggerValue(this.data.names.group, asked));
  },

  newFailure() {
    const node = el("details", "sm-failure");
    const summary = el("summary", "sm-failure-label");
    const kind = el("p", "sm-failure-kind");
    const kindName = el("strong");
    const advice = el("span");
    kind.append(kindName, " ", advice);
    const when = el("p", "sm-note");
    const tries = el("p", "sm-note");
    const showAll = el("button", "sm-link");
    showAll.type = "button";
    showAll.setAttribute("aria-expanded", "false");
    const fullName = el("pre", "sm-text");
    const error = el("pre", "sm-text");
    const stackToggle = el("button", "sm-link", "Show the stack trace");
    stackToggle.type = "button";
    stackToggle.setAttribute("aria-expanded", "false");
    const stack = el("pre", "sm-text");
    stack.hidden = true;
    const retry = el("button", "sm-button");
    retry.type = "button";
    const note = el("p", "sm-note");
    const retrying = el("p", "sm-note", "Retrying… waiting for the service to queue it.");
    retrying.setAttribute("role", "status");
    const refused = el("p", "sm-banner sm-warning");
    node.append(summary, kind, when, tries, showAll, fullName, error, stackToggle, stack, retry, note, retrying, refused);
    const view = { node, summary, kindName, advice, when, tries, showAll, fullName, error, stackToggle, stack, retry, note, retrying, refused, row: null, all: false };
    showAll.onclick = () => {
      view.all = !view.all;
      this.fillFailure(view, view.row, this.state);
    };
    stackToggle.onclick = () => {
      stack.hidden = !stack.hidden;
      setText(stackToggle, stack.hidden ? "Show the stack trace" : "Hide the stack trace");
      stackToggle.setAttribute("aria-expanded", String(!stack.hidden));
    };
    retry.onclick = () => this.retry(view);
    return view;
  },

  fillFailure(view, row, state) {
    view.row = row;
    const when = row.at === null ? "time not given" : clock(row.at, true);
    view.at = when; // for the clock's every second (fillFailureTimes)
    setText(view.summary, `${row.name} · ${row.platform} · ${when} — ${row.preview}`);
    setText(view.kindName, `${row.kind}.`);
    setText(view.advice, row.advice);
    setHidden(view.tries, !row.tries);
    setText(view.tries, row.tries ? `Tried ${row.tries[0]} of ${row.tries[1]} times.` : "");
    const text = row.error || "";
    const long = text.length > ERROR_LIMIT;
    setHidden(view.showAll, !(long || row.full_name));
    setText(view.showAll, view.all ? "Show less" : `Show all (${((row.full_name || row.name).length + text.length).toLocaleString("en-US")} characters)`);
    view.showAll.setAttribute("aria-expanded", String(view.all));
    setHidden(view.fullName, !(view.all && row.full_name));
    setText(view.fullName, row.full_name);
    setHidden(view.error, !text);
    setText(view.error, view.all || !long ? text : `${text.slice(0, ERROR_LIMIT)}…`);
    setHidden(view.stackToggle, !row.stack);
    setText(view.stack, row.stack);
    // Retry: for operators (the hub refuses anyone else whatever reaches it); unavailable, with
    // the reason, while the service cannot be reached.
    // Answered: the state said "retrying" and no longer does, or shows a new refusal (a quick
    // one may come before any state said "retrying").
    const asked = this.retriesAsked.get(row.set_id);
    if (asked && row.retrying) asked.seen = true;
    const refusedSince = asked && row.refused !== null && row.refused !== asked.refused;
    if (asked && ((asked.seen && !row.retrying) || refusedSince)) this.retriesAsked.delete(row.set_id);
    const busy = row.retrying || this.retriesAsked.has(row.set_id);
    const offered = this.data.canAct;
    setHidden(view.retry, !offered);
    setText(view.retry, `Retry ${quoted(row.name)}${row.retry_helps ? "" : " anyway"}`);
    view.retry.className = row.retry_helps ? "sm-button sm-primary" : "sm-button";
    view.retry.title = row.retry_helps ? "" : "Only after the ad account has been reconnected.";
    view.retry.disabled = Boolean(state.held_back);
    // While retrying the button stays where it is (and keeps focus); a second click sends nothing.
    view.retry.setAttribute("aria-disabled", String(busy || Boolean(state.held_back)));
    const note = !offered ? "Retry is for operators." : state.held_back ? `Retry is unavailable: ${state.held_back}.` : "";
    setHidden(view.note, !note);
    setText(view.note, note);
    setHidden(view.retrying, !busy);
    setHidden(view.refused, !row.refused || busy);
    setText(view.refused, row.refused ? `The retry was refused. ${row.refused}` : "");
  },

  retry(view) {
    const row = view.row;
    if (!row || !this.data.canAct || this.state.held_back) return;
    if (row.retrying || this.retriesAsked.has(row.set_id)) return; // one POST per click, not per wait
    this.retriesAsked.set(row.set_id, { at: Date.now(), seen: false, refused: row.refused });
    this.fillFailure(view, row, this.state);
    const retry = { set: row.set_id, name: row.name, at: Date.now() };
    this.send("retry", () => this.api.setTriggerValue(this.data.names.retry, retry));
  },

  // What follows the clock: "Failed 3 min ago".
  fillFailureTimes(state) {
    if (!state || !state.loaded) return;
    const now = this.nowMs(state);
    for (const view of this.failureViews.values()) {
      const row = view.row;
      setText(view.when, row.at === null ? "The service did not say when it failed." : `Failed ${relative(row.at, now)}, at ${view.at}`);
    }
  },
});
