// The push channel: one WebSocket, reconnected with backoff; each message applied to the state
// (the same rules as push/delta.py) and drawn.
// Methods of the live component (live.js), joined to it in one module by ui/push.py.

const RETRY_MS = [1000, 2000, 5000, 10000];
const OPEN_TIMEOUT_MS = 5000; // no first message by then: push does not work from here
const REFRESH_BEFORE_MS = 30000; // ask the page for a new token this long before it expires

Object.assign(Live.prototype, {
  connect() {
    this.retryTimer = null;
    const data = this.data;
    if (data.tokenExpires - Date.now() < REFRESH_BEFORE_MS) {
      // The page hands out a new token on its next run; this component connects then.
      this.send("token", () => this.api.setTriggerValue(this.data.names.token, Date.now()));
      this.retryTimer = setTimeout(() => this.connect(), RETRY_MS[0]);
      return;
    }
    const url = new URL(data.path, window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("token", data.token);
    if (this.epoch) {
      url.searchParams.set("epoch", this.epoch);
      url.searchParams.set("seq", String(this.seq));
    }
    let socket;
    try {
      socket = new WebSocket(url.toString());
    } catch (e) {
      return this.failed();
    }
    this.socket = socket;
    this.opened = false;
    const guard = setTimeout(() => { if (!this.opened) socket.close(); }, OPEN_TIMEOUT_MS);
    socket.onmessage = (event) => {
      clearTimeout(guard);
      this.heard = Date.now();
      this.opened = true;
      this.failures = 0;
      this.report(this.data.names.on);
      this.receive(event.data);
    };
    socket.onclose = () => {
      clearTimeout(guard);
      if (this.socket === socket) this.socket = null;
      this.failed();
    };
  },

  failed() {
    if (this.closed) return;
    this.failures += 1;
    if (this.failures >= 2) this.report(this.data.names.off);
    this.showReconnecting();
    const wait = RETRY_MS[Math.min(this.failures - 1, RETRY_MS.length - 1)];
    this.retryTimer = setTimeout(() => this.connect(), wait * (0.8 + Math.random() * 0.4));
  },

  receive(text) {
    // The sign-in keeper (keeper.js) checks in on these too: a hidden tab's timers are slowed.
    window.dispatchEvent(new Event(this.data.names.beat));
    let message;
    try {
      message = JSON.parse(text);
    } catch (e) {
      return;
    }
    if (typeof message.now === "number") this.skew = message.now - Date.now();
    let change = null; // what to draw again: a full state, everything
    if (message.type === "full") {
      this.state = message.state;
    } else if (message.type === "delta" && this.state && message.epoch === this.epoch && message.seq === this.seq + 1) {
      this.state = applyChange(this.state, message.change);
      change = message.change;
    } else if (message.type === "delta") {
      // Out of step (should not happen): start over with the full state.
      if (this.socket) this.socket.close();
      this.epoch = null;
      return;
    } else {
      return;
    }
    this.epoch = message.epoch;
    this.seq = message.seq;
    if (!this.data.paused) this.render(change);
  },

  showReconnecting() {
    if (!this.state || this.data.mode !== this.data.names.modePush) return;
    setText(this.rest, " · live updates reconnecting…");
  },
});
