// The header and the cards, drawn in place; screen readers hear when a sync ends.
// Methods of the live component (live.js), joined to it in one module by ui/push.py.

const ENDED_WAIT_MS = 5000; // a card gone with no outcome by then: "is no longer syncing"
const COMPACT_AT = 6; // more running syncs than this: one row each (live.css .sm-compact)

Object.assign(Live.prototype, {
  renderHeader(state) {
    // Written only when they differ: fifty tabs draw every message, and a write restyles.
    const dot = state.live ? "sm-dot sm-ok" : "sm-dot sm-bad";
    if (this.dot.className !== dot) this.dot.className = dot;
    setHidden(this.status, !state.loaded);
    setText(this.line, say(state.line));
    const updated = state.updated ? ` · updated ${say(state.updated)}` : "";
    setText(this.rest, `${updated} · ${say(state.source)}`);
    setHidden(this.banner, !state.banner);
    if (state.banner && this.banner.className !== `sm-banner sm-${state.banner.level}`) {
      this.banner.className = `sm-banner sm-${state.banner.level}`;
    }
    if (state.banner) {
      setText(this.banner, say(state.banner.words));
    }
    setHidden(this.staleNote, !state.stale);
    setText(this.staleNote, say(state.stale));
    setHidden(this.counts, !state.loaded);
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
    setHidden(this.notes, !state.notes);
    setText(this.notes, state.notes);
  },

  // `all`: fill every card again (else only those whose words changed: live.js render).
  renderCards(state, all = true) {
    const showCards = state.loaded || state.skeleton;
    setHidden(this.heading, !showCards);
    setHidden(this.empty, !(state.loaded && state.cards.length === 0));
    const seen = new Set();
    const previous = new Map(this.cards);
    state.cards.forEach((card, i) => {
      seen.add(card.key);
      let view = this.cards.get(card.key);
      if (!view) {
        view = this.newCard(card.key);
        this.cards.set(card.key, view);
        this.fillCard(view, card);
      } else if (all || view.card !== card) {
        this.fillCard(view, card);
      }
      if (this.grid.children[i] !== view.node) this.grid.insertBefore(view.node, this.grid.children[i] || null);
    });
    for (const [key, view] of previous) {
      if (seen.has(key)) continue;
      const hadFocus = view.node.contains(document.activeElement) || view.node.contains(this.root.activeElement);
      view.node.remove();
      this.cards.delete(key);
      // How it ended may come a moment later (a stream's last frame, the next poll).
      this.leaving.set(key, { job: view.card.job_id, name: view.card.name, at: Date.now() });
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
    const compact = state.cards.length > COMPACT_AT;
    if (this.grid.classList.contains("sm-compact") !== compact) this.grid.classList.toggle("sm-compact", compact);
    setHidden(this.more, !state.more);
    setText(this.more, state.more ? `${state.more} more active syncs, in the table below.` : "");
  },

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
  },

  refocus() {
    const next = this.grid.querySelector("button:not([hidden])");
    (next || this.heading).focus();
  },

  announce(text) {
    this.announcer.textContent = text;
  },

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
    const { bar, fill } = progressBar();
    const details = el("p", "sm-details");
    const elapsed = el("span", "sm-elapsed");
    const rest = el("span", "sm-rest");
    const failed = el("span", "sm-failed");
    details.append(elapsed, rest, failed);
    const stalled = el("p", "sm-stalled");
    const cancel = el("div", "sm-cancel");
    node.append(title, more, full, progress, bar, details, stalled, cancel);
    return { node, name, badge, more, full, progress, bar, fill, elapsed, rest, failed, stalled, cancel, card: null, cancelShown: null };
  },

  fillCard(view, card) {
    const old = view.card;
    view.card = card;
    setText(view.name, card.name);
    setHidden(view.more, !card.full_name);
    if (!card.full_name) view.full.hidden = true;
    setText(view.full, card.full_name);
    setText(view.badge, card.platform);
    view.badge.dataset.platform = card.platform.toLowerCase();
    setText(view.progress, card.progress);
    view.bar.setAttribute("aria-label", card.bar_label);
    if (card.fraction === null) {
      view.bar.removeAttribute("aria-valuenow");
      view.fill.style.width = "0%";
    } else {
      const pct = Math.round(card.fraction * 100);
      view.bar.setAttribute("aria-valuenow", String(pct));
      view.fill.style.width = `${pct}%`;
    }
    this.fillElapsed(view);
    setText(view.failed, card.failed ? ` · ${card.failed}` : "");
    setHidden(view.stalled, !card.stalled);
    setText(view.stalled, card.stalled);
    const cancelKey = `${card.cancel}|${card.cancel_note}|${card.name}|${this.data.canAct}`;
    if (!old || view.cancelShown !== cancelKey) {
      if (this.confirming !== card.key || card.cancel !== "offered") this.drawCancel(view, card);
      view.cancelShown = cancelKey;
    }
  },

  // The card's times, as the clock runs: running for, and the ETA (as words/cards.py figures).
  fillElapsed(view) {
    const card = view.card;
    // Stale figures stop at their time (`until`): a count that goes on would look live.
    const now = card.until === null ? Date.now() + this.skew : card.until;
    const seconds = card.started === null ? null : (now - card.started) / 1000;
    setText(view.elapsed, `${card.elapsed_prefix} ${duration(seconds)}`);
    const parts = [];
    if (card.rate !== null) {
      parts.push(card.rate, `ETA ${duration(card.eta_at === null ? null : (card.eta_at - now) / 1000)}`);
    }
    if (card.tries) parts.push(card.tries);
    if (card.stream) parts.push(card.stream);
    setText(view.rest, parts.length ? ` · ${parts.join(" · ")}` : "");
  },
});
