// The sections' own signal (app_pages/live.py mounts it in the fragment of the queue, failures and
// charts). The live component (live.js) says when what the sections draw has changed by an event
// on the window; this component turns it into a change of its own state, so that the rerun it
// causes is the sections fragment's, sent by the browser in order with the viewer's clicks. (A
// rerun the server asks for from a callback can take a page change the viewer asked for meanwhile
// back to this page: Streamlit merges the two, and the later one names the page.)

// The names come with the data (sync_monitor/push/protocol.py: NAMES).
let names = null;
let mounted = null; // the signal as the sections last drew it: { drawn, setStateValue }
let asked = null; // the last state asked for (asked again with the next `attempt`: live.js)

function ask(wanted) {
  if (!mounted || !wanted || wanted.digest === mounted.drawn) return; // none, or drawn already
  if (asked && asked.seq === wanted.seq && asked.digest === wanted.digest && asked.attempt === wanted.attempt) return;
  asked = wanted;
  mounted.setStateValue(names.asked, wanted);
}

function listen(given) {
  if (names && names.sectionsEvent === given.sectionsEvent) return;
  if (names) window.removeEventListener(names.sectionsEvent, heard);
  names = given;
  window.addEventListener(names.sectionsEvent, heard);
}

function heard(event) {
  ask(event.detail);
}

export default function (component) {
  listen(component.data.names);
  const signal = { drawn: component.data.drawn, setStateValue: component.setStateValue };
  mounted = signal;
  // What the live component asked for before these sections were drawn (a first load).
  ask(window[names.latest]);
  return () => {
    if (mounted === signal) mounted = null;
  };
}
