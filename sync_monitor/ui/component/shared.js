// What the push component computes as the server does: the same words for a duration and a
// clock time (sync_monitor/text.py: duration, clock), and the same application of a pushed change
// (sync_monitor/push/delta.py: apply). tests/support/shared_cases.json holds cases that both sides
// must pass (tests/unit/test_shared_cases.py in Python, tests/browser/test_shared_cases.py in
// Chromium), so the two cannot drift. ui/push.py puts this file before live.js in one module.

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  const sec = s % 60;
  if (minutes < 60) return minutes < 10 ? `${minutes} min ${String(sec).padStart(2, "0")} s` : `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

// The zone's name as the server's tz database writes it ("AEDT"), for the offset the page gave;
// Intl's short names depend on the browser's language ("GMT+11" in en-US).
let zone = { name: null, offset: null };

function clock(ms, withDate) {
  if (ms === null || ms === undefined) return "unknown";
  const when = new Date(ms);
  const parts = {};
  const options = { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZoneName: "short", day: "numeric", month: "short" };
  for (const p of new Intl.DateTimeFormat("en-GB", options).formatToParts(when)) parts[p.type] = p.value;
  const name = zone.name && -when.getTimezoneOffset() === zone.offset ? zone.name : parts.timeZoneName;
  const shown = `${parts.hour}:${parts.minute}:${parts.second} ${name}`;
  return withDate ? `${shown}, ${parts.day} ${parts.month}` : shown;
}

function applyChange(state, change) {
  const next = Object.assign({}, state);
  for (const [k, v] of Object.entries(change)) if (k !== "cards" && k !== "order") next[k] = v;
  const byKey = new Map((state.cards || []).map((c) => [c.key, c]));
  for (const c of change.cards || []) byKey.set(c.key, c);
  const order = change.order || (state.cards || []).map((c) => c.key);
  next.cards = order.map((k) => byKey.get(k));
  return next;
}
