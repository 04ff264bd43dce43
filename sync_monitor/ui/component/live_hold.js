// One moment per page: a state that changes the queue, failures or charts waits for those sections
// to redraw it (HOLD_MS at most), asking them, and asking again when an ask was lost.
// Methods of the live component (live.js), joined to it in one module by ui/push.py.

// A state whose queue, failures or charts differ from what the page's sections show waits this
// long at most for the sections to redraw, so that header, cards and sections change together.
const HOLD_MS = 3000;
// The sections asked to redraw that have not after this long are asked again: an ask can be lost
// on the way (the rerun it caused merged away by Streamlit while another run of the page went
// on), and nothing else would ask before the next change, the page showing the old moment.
const ASK_AGAIN_MS = 3000;

Object.assign(Live.prototype, {
  render() {
    const state = this.state;
    if (!state || this.data.paused) return;
    if (state.sections !== this.sectionsSent && this.data.mode === this.data.names.modePush) {
      this.sectionsSent = state.sections;
      if (state.sections !== this.drawnSections()) {
        const again = this.sectionsAsked.digest === state.sections;
        const attempt = again ? this.sectionsAsked.attempt + 1 : 0;
        this.sectionsAsked = { at: Date.now(), attempt, digest: state.sections };
        const sections = { seq: this.seq, digest: state.sections, attempt };
        this.send("sections", () => {
          // To the sections' own signal (sections.js), which asks their fragment to rerun.
          window[this.data.names.latest] = sections;
          window.dispatchEvent(new CustomEvent(this.data.names.sectionsEvent, { detail: sections }));
        });
      }
    }
    if (this.holding(state)) return;
    this.renderHeader(state);
    this.renderCards(state);
  },

  // The digest of what the page's sections draw now: they mark it in the page (app_pages/live.py).
  drawnSections() {
    const mark = this.data.names.sectionsMark;
    const marks = document.querySelectorAll(`[${mark}]`);
    return marks.length ? marks[marks.length - 1].getAttribute(mark) : this.data.sections;
  },

  // One moment per page: a state that changes the sections is shown once they have redrawn
  // (or after HOLD_MS, whatever happens), never before; checked again every 50 ms meanwhile.
  holding(state) {
    const settled = state.sections === this.drawnSections() || state.sections === this.gaveUpOn;
    if (this.data.mode !== this.data.names.modePush || !state.loaded || settled) {
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
  },

  // Sections still not redrawn ASK_AGAIN_MS after they were asked: ask again.
  askAgain() {
    const state = this.state;
    if (!state || this.data.mode !== this.data.names.modePush || state.sections === this.drawnSections()) return;
    if (Date.now() - this.sectionsAsked.at < ASK_AGAIN_MS) return;
    this.sectionsSent = null;
    this.render();
  },
});
