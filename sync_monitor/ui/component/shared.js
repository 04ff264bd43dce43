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

function shortDuration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor((s + 30) / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

function shortRange(low, high) {
  if (low === null || low === undefined) return "unknown";
  if (low <= 0 && (high === null || high === undefined || high <= 0)) return "now";
  const first = shortDuration(low);
  const last = high === null || high === undefined ? first : shortDuration(high);
  if (last === first) return `~${first}`;
  const [firstNumber, firstUnit] = first.split(" ");
  const [lastNumber, lastUnit] = last.split(" ");
  if (first.split(" ").length === 2 && last.split(" ").length === 2 && firstUnit === lastUnit && (firstUnit === "s" || firstUnit === "min")) {
    return `${firstNumber}–${lastNumber} ${lastUnit}`;
  }
  return `${first} – ${last}`;
}

function waitRange(low, high) {
  if (low === null || low === undefined) return "unknown";
  if (low <= 0 && (high === null || high === undefined || high <= 0)) return "now";
  if (high === null || high === undefined || Math.round(high) <= Math.round(low)) return `in ~${duration(low)}`;
  return `in ~${duration(low)} – ${duration(high)}`;
}

function relative(ms, nowMs) {
  if (ms === null || ms === undefined) return "time unknown";
  const seconds = (nowMs - ms) / 1000;
  if (seconds < 45) return "just now";
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

// The zone's name as the server's tz database writes it ("AEDT"), for the offset the page gave;
// Intl's short names depend on the browser's language ("GMT+11" in en-US).
let zone = { name: null, offset: null };

// One formatter for the page (making one costs more than using it, and the page words times
// every second).
let clockFormatter = null;
function clockFormat() {
  if (clockFormatter === null) {
    const options = { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZoneName: "short", day: "numeric", month: "short" };
    clockFormatter = new Intl.DateTimeFormat("en-GB", options);
  }
  return clockFormatter;
}

function clock(ms, withDate) {
  if (ms === null || ms === undefined) return "unknown";
  const when = new Date(ms);
  const parts = {};
  for (const p of clockFormat().formatToParts(when)) parts[p.type] = p.value;
  const name = zone.name && -when.getTimezoneOffset() === zone.offset ? zone.name : parts.timeZoneName;
  const shown = `${parts.hour}:${parts.minute}:${parts.second} ${name}`;
  return withDate ? `${shown}, ${parts.day} ${parts.month}` : shown;
}

function applyChange(state, change) {
  const next = Object.assign({}, state);
  for (const [k, v] of Object.entries(change)) if (k !== "lists") next[k] = v;
  for (const [name, part] of Object.entries(change.lists || {})) {
    const byKey = new Map((state[name] || []).map((item) => [item.key, item]));
    for (const item of part.items || []) byKey.set(item.key, item);
    const order = part.order || (state[name] || []).map((item) => item.key);
    next[name] = order.map((k) => byKey.get(k));
  }
  return next;
}
