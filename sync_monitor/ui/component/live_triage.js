// What needs attention first (issue 23): one line under the header (causes failing, syncs
// stalled, the longest wait, counted here as the clock runs), and the group retry under way or
// the last one, with its progress and, for operators, Pause, Resume and Cancel (handed to the
// page, which asks the server's batch as the viewer the server knows).
// Methods of the live component (live.js), joined to it in one module by ui/push.py.

Object.assign(Live.prototype, {
  buildAttention() {
    const line = el("p", "sm-attention");
    line.setAttribute("aria-label", "Needs attention");
    return line;
  },

  renderAttention(state) {
    const found = state.loaded ? state.attention : null;
    setHidden(this.attentionLine, !found);
    if (!found) return;
    const parts = [];
    if (found.causes) {
      const causes = `${found.causes} failing ${found.causes === 1 ? "cause" : "causes"}`;
      parts.push(`${causes} (${found.failures} ${found.failures === 1 ? "failure" : "failures"})`);
    }
    if (found.stalled) parts.push(`${found.stalled} stalled ${found.stalled === 1 ? "sync" : "syncs"}`);
    if (found.longest_since !== null) {
      const waited = duration((this.nowMs(state) - found.longest_since) / 1000);
      parts.push(`longest wait ${waited} (${found.longest})`);
    }
    const calm = !found.causes && !found.stalled;
    const text = calm ? `Nothing needs attention: no failures, nothing stalled${parts.length ? ` · ${parts.join(" · ")}` : ""}.` : `Needs attention: ${parts.join(" · ")}.`;
    setText(this.attentionLine, text);
    const cls = calm ? "sm-attention sm-calm" : "sm-attention sm-alert";
    if (this.attentionLine.className !== cls) this.attentionLine.className = cls;
  },

  buildBatch() {
    const box = el("section", "sm-batch");
    box.setAttribute("aria-label", "Group retry");
    const title = el("p", "sm-batch-title");
    const figures = el("p", "sm-note");
    figures.setAttribute("role", "status");
    const { bar, fill } = progressBar();
    bar.setAttribute("aria-label", "Group retry progress");
    const why = el("p", "sm-banner sm-warning");
    const row = el("div", "sm-row");
    const pause = el("button", "sm-button", "Pause");
    const resume = el("button", "sm-button", "Resume");
    const cancel = el("button", "sm-button", "Cancel the group retry");
    const hide = el("button", "sm-button", "Hide");
    for (const b of [pause, resume, cancel, hide]) b.type = "button";
    row.append(pause, resume, cancel, hide);
    box.append(title, figures, bar, why, row);
    this.batchView = { box, title, figures, bar, fill, why, pause, resume, cancel, hide, id: null };
    pause.onclick = () => this.batchAsk("pause");
    resume.onclick = () => this.batchAsk("resume");
    cancel.onclick = () => this.batchAsk("cancel");
    hide.onclick = () => {
      this.batchHidden = this.batchView.id;
      this.renderBatch(this.state);
    };
    this.batchHidden = null; // the ended batch this viewer put away
    return box;
  },

  renderBatch(state) {
    const view = this.batchView;
    const batch = state.loaded ? state.batch : null;
    const running = batch && (batch.state === "running" || batch.state === "paused");
    setHidden(view.box, !batch || (!running && this.batchHidden === batch.id));
    if (!batch) return;
    view.id = batch.id;
    const said = {
      running: "Retrying a group",
      paused: "Group retry paused",
      done: "Group retry done",
      cancelled: "Group retry cancelled",
      stopped: "Group retry stopped by itself",
    }[batch.state] || "Group retry";
    setText(view.title, `${said}: ${batch.what} (started by ${batch.by}).`);
    const known = batch.failed_again + batch.succeeded;
    const outcome = known ? ` · of those ended, ${batch.succeeded} succeeded and ${batch.failed_again} failed again` : "";
    const skipped = batch.skipped ? ` · ${batch.skipped} skipped by the dry run` : "";
    const next = batch.state !== "running" ? "" : batch.held ? ` · waiting: ${batch.held}` : batch.next_at !== null ? ` · next in ${duration(Math.max(0, (batch.next_at - this.nowMs(state)) / 1000))}` : "";
    setText(view.figures, `${batch.done} of ${batch.total} sets done (${batch.posted} retried)${outcome}${skipped}${next}.`);
    const pct = batch.total ? Math.round((100 * batch.done) / batch.total) : 100;
    view.bar.setAttribute("aria-valuenow", String(pct));
    view.fill.style.width = `${pct}%`;
    setHidden(view.why, !batch.why);
    setText(view.why, batch.why ? `Stopped by itself: ${batch.why}. The rest were not retried.` : "");
    const canAct = this.data.canAct;
    setHidden(view.pause, !(canAct && batch.state === "running"));
    setHidden(view.resume, !(canAct && batch.state === "paused"));
    setHidden(view.cancel, !(canAct && running));
    setHidden(view.hide, running);
  },

  batchAsk(what) {
    const id = this.batchView.id;
    if (!id || !this.data.canAct) return;
    const asked = { id, do: what, at: Date.now() };
    this.send("batch", () => this.api.setTriggerValue(this.data.names.batch, asked));
  },
});
