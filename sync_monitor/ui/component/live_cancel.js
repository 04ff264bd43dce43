// Cancel on a card: a confirmation step, then the page is handed the cancel (the same hub action
// as the server-drawn button).
// Methods of the live component (live.js), joined to it in one module by ui/push.py.

Object.assign(Live.prototype, {
  drawCancel(view, card) {
    const box = view.cancel;
    if (this.confirming === card.key) this.confirming = null;
    if (card.cancel !== "offered") {
      box.replaceChildren(...(card.cancel_note ? [el("p", "sm-note", card.cancel_note)] : []));
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
  },

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
      const cancel = { job: card.job_id, name: card.name, at: Date.now() };
      this.send("cancel", () => this.api.setTriggerValue(this.data.names.cancel, cancel));
    };
    const row = el("div", "sm-row");
    row.append(yes, no);
    box.replaceChildren(question, row);
    yes.focus();
  },
});
