// The summary charts, drawn in place from the pushed rows (push/payload.py `summary`, from
// live/aggregates.py): syncs by state and platform now, the failed share of the syncs finished
// in 24 h per platform, and syncs finished per hour over 12 h. Plain bars of HTML: each one's
// figures are its text (and its accessible name), so a screen reader or a copy reads numbers,
// not pictures. Also the table of the active syncs beyond the cards.
// Methods of the live component (live.js), joined to it in one module by ui/push.py.

const STATE_ORDER = ["Syncing", "Queued", "Failed (24 h)"]; // as live/aggregates.py STATES

function byPlatform(parts) {
  return parts.map(([platform, n]) => `${platform} ${n}`).join(", ");
}

Object.assign(Live.prototype, {
  buildSummary() {
    const box = el("section", "sm-summary");
    const heading = el("h3", "sm-subheading", "Summary");
    const grid = el("div", "sm-charts");
    const panel = () => {
      const node = el("figure", "sm-chart");
      const caption = el("figcaption", "sm-note");
      const body = el("div", "sm-chart-body");
      const legend = el("p", "sm-legend");
      node.append(caption, body, legend);
      grid.append(node);
      return { node, caption, body, legend };
    };
    this.statesChart = panel();
    this.ratesChart = panel();
    this.hoursChart = panel();
    box.append(heading, grid);
    return box;
  },

  swatch(platform) {
    const dot = el("span", "sm-swatch");
    dot.style.background = (this.data.colors || {})[platform] || "#8c8c8c";
    dot.setAttribute("aria-hidden", "true");
    return dot;
  },

  legend(chart, platforms) {
    chart.legend.replaceChildren(...platforms.flatMap((p) => [this.swatch(p), el("span", "sm-legend-name", p)]));
    setHidden(chart.legend, platforms.length === 0);
  },

  // A bar of segments, one per platform, `total / max` of the track's width.
  bar(parts, max, vertical) {
    const bar = el("div", vertical ? "sm-column" : "sm-hbar");
    const total = parts.reduce((sum, [, n]) => sum + n, 0);
    const fill = el("div", "sm-stack");
    fill.style[vertical ? "height" : "width"] = `${max ? (100 * total) / max : 0}%`;
    for (const [platform, n] of parts) {
      const segment = el("div", "sm-segment");
      segment.style.background = (this.data.colors || {})[platform] || "#8c8c8c";
      segment.style.flexGrow = String(total ? n / total : 0); // shares of the stack, summing to 1
      fill.append(segment);
    }
    bar.append(fill);
    return bar;
  },

  renderSummary(state) {
    setHidden(this.summaryBox, !state.loaded);
    if (!state.loaded) return;
    const summary = state.summary;
    const key = JSON.stringify([summary, this.data.zone, this.data.colors]);
    if (key === this.summaryDrawn) return; // redrawn only when its figures change
    this.summaryDrawn = key;
    this.drawStates(summary.states);
    this.drawRates(summary.rates);
    this.drawHours(summary.hours, summary.throughput);
  },

  drawStates(rows) {
    const chart = this.statesChart;
    setText(chart.caption, "Syncs right now, by state and platform (failed: in the last 24 h).");
    const platforms = [...new Set(rows.map((r) => r[1]))].sort();
    const states = STATE_ORDER.map((s) => [s, rows.filter((r) => r[0] === s).map((r) => [r[1], r[2]])]);
    const max = Math.max(0, ...states.map(([, parts]) => parts.reduce((sum, [, n]) => sum + n, 0)));
    if (!rows.length) {
      chart.body.replaceChildren(el("p", "sm-note", "No syncs to chart yet."));
    } else {
      chart.body.replaceChildren(...states.map(([name, parts]) => {
        parts.sort((a, b) => a[0].localeCompare(b[0]));
        const total = parts.reduce((sum, [, n]) => sum + n, 0);
        const row = el("div", "sm-chart-row");
        row.setAttribute("role", "img");
        row.setAttribute("aria-label", `${name}: ${total}${parts.length ? ` (${byPlatform(parts)})` : ""}`);
        row.title = row.getAttribute("aria-label");
        row.append(el("span", "sm-chart-label", name), this.bar(parts, max, false), el("span", "sm-chart-value", String(total)));
        return row;
      }));
    }
    this.legend(chart, rows.length ? platforms : []);
  },

  drawRates(rows) {
    const chart = this.ratesChart;
    const finished = rows.reduce((sum, r) => sum + r[1], 0);
    setText(chart.caption, `Failed share of the ${finished} sync${finished === 1 ? "" : "s"} that finished in the last 24 h, by platform.`);
    if (!rows.length) {
      chart.body.replaceChildren(el("p", "sm-note", "No finished syncs in the last 24 hours yet."));
      this.legend(chart, []);
      return;
    }
    // Scaled to the data (2.5 % and 2.9 % must look different), labelled with the value.
    const rates = rows.map(([platform, total, failed]) => [platform, total, failed, failed / total]);
    const max = Math.max(...rates.map((r) => r[3]));
    chart.body.replaceChildren(...rates.map(([platform, total, failed, rate]) => {
      const shown = `${(rate * 100).toFixed(1)} %`;
      const row = el("div", "sm-chart-row");
      row.setAttribute("role", "img");
      row.setAttribute("aria-label", `${platform}: ${shown} failed (${failed} of ${total})`);
      row.title = row.getAttribute("aria-label");
      row.append(el("span", "sm-chart-label", platform), this.bar([[platform, rate]], max, false), el("span", "sm-chart-value", `${shown} (${failed} of ${total})`));
      return row;
    }));
    this.legend(chart, []);
  },

  drawHours(hours, rows) {
    const chart = this.hoursChart;
    setText(chart.caption, `Syncs finished (completed or failed) per hour, last 12 h; hours in ${zone.name || "your time zone"}.`);
    if (!hours.length) {
      chart.body.replaceChildren(el("p", "sm-note", "No finished syncs seen yet."));
      this.legend(chart, []);
      return;
    }
    const platforms = [...new Set(rows.map((r) => r[1]))].sort();
    const perHour = hours.map((_, i) => rows.filter((r) => r[0] === i).map((r) => [r[1], r[2]]).sort((a, b) => a[0].localeCompare(b[0])));
    const max = Math.max(1, ...perHour.map((parts) => parts.reduce((sum, [, n]) => sum + n, 0)));
    const columns = el("div", "sm-columns");
    hours.forEach((ms, i) => {
      const parts = perHour[i];
      const total = parts.reduce((sum, [, n]) => sum + n, 0);
      const label = clock(ms, false).slice(0, 5);
      const column = el("div", "sm-hour");
      column.setAttribute("role", "img");
      column.setAttribute("aria-label", `${label}: ${total} finished${parts.length ? ` (${byPlatform(parts)})` : ""}`);
      column.title = column.getAttribute("aria-label");
      const value = el("span", "sm-chart-value", total ? String(total) : "");
      const name = el("span", "sm-hour-label", label);
      if (i % 2) name.classList.add("sm-odd"); // every other label only, on a phone
      column.append(value, this.bar(parts, max, true), name);
      columns.append(column);
    });
    chart.body.replaceChildren(columns);
    this.legend(chart, platforms);
  },

  buildOthers() {
    const box = el("details", "sm-others");
    box.append(el("summary", null, "The other active syncs"));
    const table = el("table", "sm-table");
    const head = el("tr");
    for (const name of ["Campaign set", "Platform", "Progress", "Running for"]) {
      const th = el("th", null, name);
      th.scope = "col";
      head.append(th);
    }
    const thead = el("thead");
    thead.append(head);
    this.othersBody = el("tbody");
    table.append(thead, this.othersBody);
    box.append(table);
    box.addEventListener("toggle", () => this.fillOthers(this.state));
    return box;
  },

  // The table is filled only while someone looks at it; its running times follow the clock.
  fillOthers(state) {
    const rows = state && state.loaded ? state.others || [] : [];
    setHidden(this.othersBox, rows.length === 0);
    if (!this.othersBox.open) return;
    const now = this.nowMs(state);
    while (this.othersBody.childElementCount > rows.length) this.othersBody.lastChild.remove();
    while (this.othersBody.childElementCount < rows.length) {
      const tr = el("tr");
      for (let i = 0; i < 4; i++) tr.append(el("td"));
      this.othersBody.append(tr);
    }
    rows.forEach((row, i) => {
      const cells = this.othersBody.children[i].children;
      setText(cells[0], row.name);
      setText(cells[1], row.platform);
      setText(cells[2], row.progress);
      const seconds = row.started === null ? null : (now - row.started) / 1000;
      setText(cells[3], `${row.elapsed_prefix === "Elapsed" ? "" : "≥ "}${duration(seconds)}`);
    });
  },
});
