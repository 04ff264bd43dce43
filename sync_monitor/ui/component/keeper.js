// The sign-in keeper (sync_monitor/ui/keeper.py mounts it on every page of a signed-in viewer).
//
// Streamlit reads the sign-in cookie once, when the page connects. So this checks in with the
// server every few seconds, over plain HTTP, which carries the browser's cookies as they are now
// (push/route.py: check_in). The server learns that the sign-in ended (signed out in another tab,
// the cookie deleted, taken off the lists) and stops this tab's push and actions; this component
// then has the page run again, and the page says so. It also checks in at once when the tab comes
// back into view, and on each message of the push channel (live.js): a hidden tab's timers are
// slowed down to once a minute by the browser, its network events are not.

let beat = null; // the event live.js sends for each pushed message (data.beat: push/protocol.py)
let keeper = null; // one per page: { data, token, setTriggerValue, timer, last }

function expiry(token) {
  return Number(String(token).split(".")[2]) || 0; // "<session>.<browser>.<expiry>.<signature>"
}

async function checkIn() {
  const current = keeper;
  if (!current) return;
  clearTimeout(current.timer);
  current.last = Date.now();
  const url = new URL(current.data.path, window.location.href);
  url.searchParams.set("token", current.token);
  let answer = null;
  try {
    const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
    answer = { status: response.status, body: await response.json().catch(() => ({})) };
  } catch (e) {
    answer = null; // the server is out of reach: try again on the next beat
  }
  if (keeper !== current) return; // the page drew a new keeper meanwhile
  if (answer && answer.status === 200 && typeof answer.body.token === "string") {
    current.token = answer.body.token;
    if (current.data.confirming) {
      // The page waited for this: it runs again, now let in (asked again on the next beat,
      // should that run not come).
      current.setTriggerValue("confirmed", Date.now());
    }
  } else if (answer && answer.status === 401) {
    // Ended: the page says why. Expired (a tab that slept): the page hands out a new token.
    const why = answer.body.expired ? "expired" : "ended";
    current.setTriggerValue(why, { said: answer.body.ended || null, at: Date.now() });
    // The page's run removes this keeper (it ended) or hands it a newer token; should that
    // run not come (a busy server, a lost message), the next check-in asks again.
  }
  current.timer = setTimeout(checkIn, current.data.every);
}

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") checkIn();
});

function onBeat() {
  if (keeper && Date.now() - keeper.last >= keeper.data.every) checkIn();
}

export default function (component) {
  const { data, setTriggerValue } = component;
  if (beat !== data.beat) {
    if (beat) window.removeEventListener(beat, onBeat);
    beat = data.beat;
    window.addEventListener(beat, onBeat);
  }
  const same = keeper && keeper.data.confirming === data.confirming;
  if (same) {
    // A new run of the same page: keep the beat, and the newer of the two tokens.
    keeper.setTriggerValue = setTriggerValue;
    if (expiry(data.token) > expiry(keeper.token)) keeper.token = data.token;
  } else {
    if (keeper) clearTimeout(keeper.timer);
    keeper = { data, token: data.token, setTriggerValue, timer: null, last: Date.now() };
    if (data.confirming) checkIn();
    else keeper.timer = setTimeout(checkIn, data.every);
  }
  const mine = keeper;
  return () => {
    if (keeper === mine) {
      clearTimeout(mine.timer);
      keeper = null;
    }
  };
}
