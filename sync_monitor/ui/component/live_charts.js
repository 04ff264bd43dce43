// The charts below the component are Streamlit's (Altair): when what they draw has changed
// (`state.sections`, push/payload.py), the component asks their fragment to rerun, at most once
// per CHARTS_EVERY_MS, and asks again when an ask was lost. Nothing else on the page waits for
// them: header, cards, queue and failures are drawn here from one pushed state.
// Methods of the live component (live.js), joined to it in one module by ui/push.py.

// A tab's charts rerun at most this often, however fast the syncs finish (issue 21).
const CHARTS_EVERY_MS = 10000;
// Charts asked to redraw that have not after this long are asked again: an ask can be lost on
// the way (the rerun it caused merged away by Streamlit while another run of the page went on).
const ASK_AGAIN_MS = 3000;

Object.assign(Live.prototype, {
  // The digest of what the page's charts draw now: they mark it in the page (app_pages/live.py).
  drawnSections() {
    const mark = this.data.names.sectionsMark;
    const marks = document.querySelectorAll(`[${mark}]`);
    return marks.length ? marks[marks.length - 1].getAttribute(mark) : this.data.sections;
  },

  // Ask the charts to redraw the state shown, if they draw another and the last ask is old
  // enough; checked on every render and every second.
  askCharts() {
    const state = this.state;
    clearTimeout(this.chartsTimer);
    if (!state || this.data.paused || this.data.mode !== this.data.names.modePush) return;
    const wanted = state.sections;
    if (wanted === this.drawnSections()) return;
    const since = Date.now() - this.sectionsAsked.at;
    const again = this.sectionsAsked.digest === wanted;
    const wait = again ? ASK_AGAIN_MS : CHARTS_EVERY_MS;
    if (since < wait) {
      this.chartsTimer = setTimeout(() => this.askCharts(), wait - since);
      return;
    }
    const attempt = again ? this.sectionsAsked.attempt + 1 : 0;
    this.sectionsAsked = { at: Date.now(), attempt, digest: wanted };
    const sections = { seq: this.seq, digest: wanted, attempt };
    this.send("sections", () => {
      // To the charts' own signal (sections.js), which asks their fragment to rerun.
      window[this.data.names.latest] = sections;
      window.dispatchEvent(new CustomEvent(this.data.names.sectionsEvent, { detail: sections }));
    });
  },
});
