// The sign-in keeper (sync_monitor/ui/keeper.py mounts it on every page of a signed-in viewer).
//
// Streamlit reads the sign-in cookie once, when the page connects. So this checks in with the
// server every few seconds, over plain HTTP, which carries the browser's cookies as they are now
// (push/route.py: check_in). The server learns that the sign-in ended (signed out in another tab,
// the cookie deleted, taken off the lists) and stops this tab's push and actions; this component
// then has the page run again, and the page says so. It also checks in at once when the tab comes
// back into view (a hidden tab's timers are slowed down by the browser).

let keeper = null; // one per page: { data, token, setTriggerValue, timer }

async function checkIn() {
  const current = keeper;
  if (!current) return;
  clearTimeout(current.timer);
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
  } else if (answer && answer.status === 401) {
    // Ended: the page says why. Expired (a tab that slept): the page hands out a new token.
    const why = answer.body.expired ? "expired" : "ended";
    current.setTriggerValue(why, answer.body.ended || "This browser's sign-in has ended.");
    return; // the page's run draws a new keeper, or the page that says it has ended
  }
  current.timer = setTimeout(checkIn, current.data.every);
}

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") checkIn();
});

export default function (component) {
  const { data, setTriggerValue } = component;
  if (keeper && keeper.data.token === data.token) {
    keeper.setTriggerValue = setTriggerValue;
  } else {
    if (keeper) clearTimeout(keeper.timer);
    keeper = { data, token: data.token, setTriggerValue, timer: null };
    keeper.timer = setTimeout(checkIn, data.every);
  }
  const mine = keeper;
  return () => {
    if (keeper === mine) {
      clearTimeout(mine.timer);
      keeper = null;
    }
  };
}
