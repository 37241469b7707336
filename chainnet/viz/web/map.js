/* chainnet interactive map: sigma.js (WebGL) draws firms and supply links; a 2D canvas under it
 * draws the lanes, stage headers, template flows and gap marks. All data comes from the JSON in
 * #cn-data (built by chainnet/viz/_mapdata.py); nothing is fetched. window.chainnetMap is the
 * small API the browser tests drive. */
(function () {
  "use strict";
  var P = JSON.parse(document.getElementById("cn-data").textContent);
  var F = P.firms, N = F.id.length, G = P.groups;
  var lang = P.lang;
  var $ = function (id) { return document.getElementById(id); };
  var w = function (k) { var t = P.words[lang][k]; return t === undefined ? k : t; };
  var state = { selected: -1, hops: 1, expanded: {}, gap: null,
    filter: { group: "", role: "", scope: "", evidence: "" } };
  // adjacency of supply links: suppliers (in) and customers (out) of each firm
  var sup = [], cus = [];
  for (var i = 0; i < N; i++) { sup.push([]); cus.push([]); }
  for (var k = 0; k < P.links.source.length; k++) {
    cus[P.links.source[k]].push(P.links.target[k]); sup[P.links.target[k]].push(P.links.source[k]);
  }
  var drawn = function (i) { return F.x[i] !== null; };
  var name = function (i) { return lang === "zh" && F.name_zh[i] ? F.name_zh[i] : F.name[i]; };
  var groupName = function (g) { return G[g].name[lang]; };
  var isOpen = function (g) { return !P.aggregate || !!state.expanded[g]; };
  var nodeOf = function (i) { return isOpen(F.group[i]) ? "f" + i : "g" + F.group[i]; };
  var EDGE = P.edge_size;
  var CURVE = Sigma.rendering && Sigma.rendering.EdgeCurveProgram;
  var color = function (i) { return F.external[i] ? P.roles.external : (P.roles[F.role[i]] || "#777"); };

  // -- graph --------------------------------------------------------------------------------
  var MAXG = Math.max.apply(null, G.map(function (g) { return g.count; }).concat([1]));
  var graph = new graphology.Graph({ type: "directed", multi: false });
  function rebuild() {
    graph.clear();
    for (var i = 0; i < N; i++) {
      if (!drawn(i)) continue;
      var id = nodeOf(i);
      if (id[0] === "f") {
        graph.addNode(id, { x: F.x[i], y: -F.y[i], size: F.size[i], color: color(i), label: name(i), firm: i });
      } else if (!graph.hasNode(id)) {
        var g = G[F.group[i]];
        graph.addNode(id, { x: g.cx, y: -g.cy, size: 0.06 + 0.3 * Math.sqrt(g.count / MAXG),
          color: "#7f93a8", group: F.group[i], label: "" });
      }
    }
    for (var k = 0; k < P.links.source.length; k++) {
      var s = P.links.source[k], t = P.links.target[k];
      if (!drawn(s) || !drawn(t)) continue;
      var a = nodeOf(s), b = nodeOf(t);
      if (a === b) continue;
      var e = a + ">" + b;
      if (graph.hasEdge(e)) graph.updateEdgeAttribute(e, "n", function (n) { return n + 1; });
      else graph.addEdgeWithKey(e, a, b, { n: 1, size: EDGE, color: "#c2c2c2" });
    }
    graph.forEachEdge(function (e, at, s, t) {
      if (s[0] === "g" || t[0] === "g") {  // links between groups: curved so that they clear the groups between
        graph.mergeEdgeAttributes(e, { size: Math.min(0.05, 0.004 * Math.sqrt(at.n)), type: CURVE ? "curved" : "arrow",
          color: "#9aa7b4" });
      }
    });
    groupLabels();
  }
  function groupLabels() {
    graph.forEachNode(function (id, at) {
      if (at.group !== undefined) {
        graph.setNodeAttribute(id, "label", G[at.group].count.toLocaleString() + (lang === "zh" ? "家" : ""));
      } else {
        graph.setNodeAttribute(id, "label", name(at.firm));
      }
    });
  }
  rebuild();

  // -- highlight and filters ----------------------------------------------------------------
  var hl = null;  // {firm: role} where role is "self", "supplier" or "customer"
  function neighbourhood(i) {
    var out = {}; out[i] = "self";
    var walk = function (adj, tag) {
      var frontier = [i];
      for (var h = 0; h < state.hops; h++) {
        var next = [];
        frontier.forEach(function (f) {
          adj[f].forEach(function (j) { if (!(j in out)) { out[j] = tag; next.push(j); } });
        });
        frontier = next;
      }
    };
    walk(sup, "supplier"); walk(cus, "customer");
    return out;
  }
  function passes(i) {
    var f = state.filter;
    if (f.group !== "" && F.group[i] !== +f.group) return false;
    if (f.role !== "" && F.role[i] !== f.role) return false;
    if (f.scope === "local" && F.external[i]) return false;
    if (f.scope === "external" && !F.external[i]) return false;
    if (f.evidence !== "" && F.evidence[i] !== f.evidence) return false;
    return true;
  }
  var HL = { self: "#000000", supplier: "#1b7837", customer: "#762a83" };
  function nodeReducer(id, at) {
    var r = Object.assign({}, at);
    if (at.group !== undefined) {
      if (state.filter.group !== "" && at.group !== +state.filter.group) r.hidden = true;
      if (hl) { r.color = "#e4e4e4"; r.label = ""; }
      return r;
    }
    if (!passes(at.firm)) { r.hidden = true; return r; }
    if (hl) {
      var tag = hl[at.firm];
      if (tag) { r.color = tag === "self" ? color(at.firm) : HL[tag]; r.forceLabel = true; r.zIndex = 2;
        if (tag === "self") { r.highlighted = true; } }
      else { r.color = "#e4e4e4"; r.label = ""; }
    }
    return r;
  }
  function edgeReducer(e, at) {
    var r = Object.assign({}, at);
    var s = graph.getNodeAttributes(graph.source(e)), t = graph.getNodeAttributes(graph.target(e));
    if ((s.firm !== undefined && !passes(s.firm)) || (t.firm !== undefined && !passes(t.firm))) { r.hidden = true; return r; }
    if (hl) {
      var a = s.firm !== undefined ? hl[s.firm] : undefined, b = t.firm !== undefined ? hl[t.firm] : undefined;
      if (a && b && (a === "self" || b === "self" || state.hops > 1)) {
        r.color = b === "self" || a === "supplier" ? HL.supplier : HL.customer; r.size = 2.5 * EDGE; r.zIndex = 2;
      } else { r.hidden = true; }
    }
    return r;
  }

  // -- renderer -----------------------------------------------------------------------------
  var SigmaClass = Sigma.Sigma || Sigma;
  var renderer = new SigmaClass(graph, $("cn-graph"), {
    itemSizesReference: "positions", zoomToSizeRatioFunction: function (x) { return x; },
    defaultEdgeType: "arrow", edgeProgramClasses: CURVE ? { curved: CURVE } : {}, renderEdgeLabels: false, labelRenderedSizeThreshold: 7,
    labelFont: getComputedStyle(document.body).fontFamily, labelSize: 11, zIndex: true,
    nodeReducer: nodeReducer, edgeReducer: edgeReducer, minCameraRatio: 0.005, maxCameraRatio: 4,
    stagePadding: 40, hideEdgesOnMove: P.firms.id.length > 3000, hideLabelsOnMove: P.firms.id.length > 3000
  });
  var xs = [], ys = [];
  G.forEach(function (g) {
    if (g.x0 !== undefined) { xs.push(g.x0, g.x1); ys.push(-g.y0, -g.y1 - 1.2); }
    else { xs.push(g.cx - g.r, g.cx + g.r); ys.push(-g.cy - g.r, -g.cy + g.r); }
  });
  if (xs.length) {
    renderer.setCustomBBox({ x: [Math.min.apply(null, xs), Math.max.apply(null, xs)],
      y: [Math.min.apply(null, ys), Math.max.apply(null, ys) + 0.6] });
  }
  var under = renderer.createCanvas("cn-lanes", { beforeLayer: "edges" });
  var ctx = under.getContext("2d");

  function vp(x, y) { return renderer.graphToViewport({ x: x, y: -y }); }
  function drawUnder() {
    var dim = renderer.getDimensions(), ratio = window.devicePixelRatio || 1;
    if (under.width !== dim.width * ratio) { under.width = dim.width * ratio; under.height = dim.height * ratio;
      under.style.width = dim.width + "px"; under.style.height = dim.height + "px"; }
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, dim.width, dim.height);
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, dim.width, dim.height);
    if (P.kind !== "chain") return;
    G.forEach(function (g, k) {
      var a = vp(g.x0, g.y0), b = vp(g.x1, g.y1), lw = b.x - a.x;
      ctx.fillStyle = P.segment_styles[g.status] || "#f4f4f4";
      ctx.fillRect(a.x, a.y, lw, b.y - a.y);
      if (g.status === "missing") { hatch(a, b); }
      var on = state.gap && state.gap.lanes.indexOf(k) >= 0;
      ctx.lineWidth = on ? 3 : 0.6; ctx.strokeStyle = on ? "#B2182B" : "#c8d0d8";
      ctx.strokeRect(a.x, a.y, lw, b.y - a.y);
      var fs = Math.max(8, Math.min(13, lw / 9));
      ctx.font = fs + "px " + getComputedStyle(document.body).fontFamily;
      ctx.textAlign = "center"; ctx.textBaseline = "bottom";
      ctx.fillStyle = P.stage_colors[g.stage] || "#666";
      ctx.fillRect(a.x, a.y - 4, lw, 4);
      ctx.fillStyle = "#222";
      if (lw < 44) {  // narrow lanes (zoomed out): one slanted line instead of a wrapped block
        var t = groupName(k);
        ctx.save(); ctx.translate(a.x + lw / 2, a.y - 7); ctx.rotate(-Math.PI / 4);
        ctx.font = "10px " + getComputedStyle(document.body).fontFamily;
        ctx.textAlign = "left"; ctx.textBaseline = "middle";
        ctx.fillText(t.length > 26 ? t.slice(0, 25) + "…" : t, 0, 0); ctx.restore();
      } else {
        var lines = wrapText(groupName(k), lw - 4), top = a.y - 6 - (lines.length - 1) * fs * 1.15;
        lines.forEach(function (s, n) { ctx.fillText(s, a.x + lw / 2, top + n * fs * 1.15); });
      }
      if (g.gap) {
        ctx.fillStyle = "#B2182B"; ctx.textBaseline = "top";
        ctx.fillText(w("gap_" + g.gap), a.x + lw / 2, a.y + 4);
      }
    });
    P.flows.forEach(function (f, n) {
      if (f.a === null || f.b === null) return;
      var A = G[f.a], B = G[f.b], st = P.flow_styles[f.status] || P.flow_styles.present;
      var depth = 0.25 + 0.2 * Math.sqrt(Math.max(1, Math.abs(B.cx - A.cx)));
      var p0 = vp(A.cx, A.y1 + 0.08), p1 = vp(B.cx, B.y1 + 0.08), c = vp((A.cx + B.cx) / 2, A.y1 + 0.08 + depth);
      var on = state.gap && state.gap.flow === n;
      ctx.setLineDash(st.dash); ctx.strokeStyle = st.color; ctx.lineWidth = on ? 4 : st.width;
      ctx.beginPath(); ctx.moveTo(p0.x, p0.y); ctx.quadraticCurveTo(c.x, c.y, p1.x, p1.y); ctx.stroke();
      ctx.setLineDash([]);
      if (f.status !== "present") {
        ctx.fillStyle = st.color; ctx.textAlign = "center"; ctx.textBaseline = "middle";
        ctx.fillText(w(f.status), (p0.x + p1.x) / 2, (p0.y + c.y) / 2 + 4);
      }
    });
  }
  function hatch(a, b) {
    ctx.save(); ctx.beginPath(); ctx.rect(a.x, a.y, b.x - a.x, b.y - a.y); ctx.clip();
    ctx.strokeStyle = "#d0d0d0"; ctx.lineWidth = 1;
    for (var x = a.x - (b.y - a.y); x < b.x; x += 8) { ctx.beginPath(); ctx.moveTo(x, b.y); ctx.lineTo(x + (b.y - a.y), a.y); ctx.stroke(); }
    ctx.restore();
  }
  function wrapText(s, width) {
    var out = [], line = "", parts = /[\u2e80-\u9fff\uff00-\uffef]/.test(s) ? s.split("") : s.split(" ");
    var sep = parts.length && s.indexOf(" ") >= 0 && !/[\u2e80-\u9fff]/.test(s) ? " " : "";
    parts.forEach(function (p) {
      var t = line ? line + sep + p : p;
      if (ctx.measureText(t).width > width && line) { out.push(line); line = p; } else { line = t; }
    });
    if (line) out.push(line);
    if (out.length > 4) { out = out.slice(0, 4); out[3] += "…"; }
    return out;
  }
  renderer.on("afterRender", drawUnder);  // after: the camera matrix of this frame is set

  // -- interactions -------------------------------------------------------------------------
  var tip = $("cn-tip");
  function fmt(x, d) { return x === null || x === undefined ? "—" : (+x).toLocaleString(undefined, { maximumFractionDigits: d }); }
  function details(i) {
    var rows = [[w("name"), F.name[i]], [w("name_zh"), F.name_zh[i] || "—"],
      [w("role"), w(F.external[i] ? "external" : F.role[i])],
      [w("segments"), F.segments[i].join(", ") || "—"], [w("output"), fmt(F.output[i], 1)],
      [w("degree"), F.indeg[i] + " / " + F.outdeg[i]], [w("pagerank"), fmt(F.pagerank[i], 5)],
      [w("evidence"), F.evidence[i] || "—"], [w("source"), F.source[i] || "—"]];
    return "<table>" + rows.map(function (r) { return "<tr><td>" + esc(r[0]) + "</td><td>" + esc(String(r[1])) + "</td></tr>"; }).join("") + "</table>";
  }
  function esc(s) { return s.replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; }); }
  renderer.on("enterNode", function (e) {
    var at = graph.getNodeAttributes(e.node);
    tip.innerHTML = at.firm !== undefined ? details(at.firm)
      : esc(groupName(at.group)) + "<br>" + G[at.group].count.toLocaleString() + " " + esc(w("firms")) + "<br>" + esc(w("expand"));
    tip.hidden = false;
  });
  renderer.on("leaveNode", function () { tip.hidden = true; });
  renderer.getMouseCaptor().on("mousemovebody", function (e) {
    tip.style.left = (e.original.clientX + 14) + "px"; tip.style.top = (e.original.clientY + 14) + "px";
  });
  renderer.on("clickNode", function (e) {
    var at = graph.getNodeAttributes(e.node);
    if (at.group !== undefined) { expand(at.group); } else { select(at.firm); }
  });
  renderer.on("clickStage", function () { select(-1); });

  function expand(g) { state.expanded[g] = true; rebuild(); renderer.refresh(); }
  function select(i) {
    state.selected = i;
    if (i >= 0 && P.aggregate && !isOpen(F.group[i])) { state.expanded[F.group[i]] = true; rebuild(); }
    hl = i >= 0 ? neighbourhood(i) : null;
    var box = $("cn-details");
    if (i < 0) { box.innerHTML = ""; } else {
      var list = function (tag) {
        var ids = Object.keys(hl).filter(function (j) { return hl[j] === tag; }).map(Number);
        return "<h3>" + esc(w(tag === "supplier" ? "suppliers" : "customers")) + " (" + ids.length + ")</h3><ul class=\"cn-" + tag + "\">" +
          ids.slice(0, 50).map(function (j) { return "<li>" + esc(name(j)) + "</li>"; }).join("") + "</ul>";
      };
      box.innerHTML = "<h3>" + esc(name(i)) + "</h3>" + details(i) + list("supplier") + list("customer");
    }
    renderer.refresh();
    if (i >= 0) {
      var d = renderer.getNodeDisplayData("f" + i);
      if (d) renderer.getCamera().animate({ x: d.x, y: d.y, ratio: Math.min(renderer.getCamera().ratio, 0.5) }, { duration: 300 });
    }
  }

  // search
  var results = $("cn-results"), hits = [];
  function search(q) {
    q = q.trim().toLowerCase();
    if (!q) return [];
    var out = [];
    for (var i = 0; i < N && out.length < 20; i++) {
      if (!drawn(i)) continue;
      if (F.id[i].toLowerCase().indexOf(q) >= 0 || F.name[i].toLowerCase().indexOf(q) >= 0 ||
          F.name_zh[i].indexOf(q) >= 0) out.push(i);
    }
    return out;
  }
  $("cn-search").addEventListener("input", function () {
    hits = search(this.value);
    results.innerHTML = hits.length ? hits.map(function (i) {
      return "<li data-firm=\"" + i + "\">" + esc(name(i)) + " <small>" + esc(F.id[i]) + "</small></li>";
    }).join("") : (this.value.trim() ? "<li>" + esc(w("no_match")) + "</li>" : "");
    results.hidden = !this.value.trim();
  });
  $("cn-search").addEventListener("keydown", function (e) {
    if (e.key === "Enter" && hits.length) { select(hits[0]); results.hidden = true; }
  });
  results.addEventListener("click", function (e) {
    var li = e.target.closest("li[data-firm]");
    if (li) { select(+li.dataset.firm); results.hidden = true; }
  });

  // filters
  function fill(sel, opts) {
    var v = sel.value;
    sel.innerHTML = "<option value=\"\">" + esc(w("all")) + "</option>" + opts.map(function (o) {
      return "<option value=\"" + esc(String(o[0])) + "\">" + esc(o[1]) + "</option>";
    }).join("");
    sel.value = v;
  }
  function fillFilters() {
    fill($("cn-f-group"), G.map(function (g, k) { return [k, groupName(k)]; }));
    fill($("cn-f-role"), Object.keys(P.roles).filter(function (r) { return r !== "external" && F.role.indexOf(r) >= 0; })
      .map(function (r) { return [r, w(r)]; }));
    fill($("cn-f-scope"), [["local", w("local")], ["external", w("external")]]);
    var ev = []; F.evidence.forEach(function (e) { if (e && ev.indexOf(e) < 0) ev.push(e); });
    fill($("cn-f-evidence"), ev.sort().map(function (e) { return [e, e]; }));
  }
  [["cn-f-group", "group"], ["cn-f-role", "role"], ["cn-f-scope", "scope"], ["cn-f-evidence", "evidence"]].forEach(function (p) {
    $(p[0]).addEventListener("change", function () {
      state.filter[p[1]] = this.value;
      if (p[1] === "group" && this.value !== "" && P.aggregate) { state.expanded[+this.value] = true; rebuild(); }
      renderer.refresh();
    });
  });
  $("cn-hops").addEventListener("change", function () { state.hops = +this.value; if (state.selected >= 0) select(state.selected); });
  $("cn-reset").addEventListener("click", function () { select(-1); state.gap = null; renderer.getCamera().animatedReset({ duration: 200 }); });
  $("cn-collapse").addEventListener("click", function () { state.expanded = {}; rebuild(); renderer.refresh(); });
  $("cn-collapse").hidden = !P.aggregate;

  // gaps
  function gapList() {
    var ul = $("cn-gaps");
    if (!P.gaps.length) { ul.innerHTML = "<li>" + esc(w("no_gaps")) + "</li>"; return; }
    ul.innerHTML = P.gaps.map(function (g, n) {
      var where = g.lane !== null ? groupName(g.lane) : groupName(g.a) + " → " + groupName(g.b);
      return "<li data-gap=\"" + n + "\"><span class=\"cn-tag\">" + esc(w("gap_" + g.type)) + "</span>" + esc(where) +
        "<br><small>" + esc(g.reason[lang]) + "</small></li>";
    }).join("");
  }
  $("cn-gaps").addEventListener("click", function (e) {
    var li = e.target.closest("li[data-gap]");
    if (!li) return;
    var g = P.gaps[+li.dataset.gap], lanes = [], flow = null;
    if (g.lane !== null) lanes.push(g.lane);
    else {
      lanes.push(g.a, g.b);
      P.flows.forEach(function (f, n) { if (f.a === g.a && f.b === g.b) flow = n; });
    }
    state.gap = { lanes: lanes, flow: flow };
    Array.prototype.forEach.call(this.children, function (c) { c.classList.toggle("cn-active", c === li); });
    var L = G[lanes[0]], p = renderer.viewportToFramedGraph(renderer.graphToViewport({ x: L.cx, y: -L.cy }));
    renderer.getCamera().animate({ x: p.x, y: p.y, ratio: 0.6 }, { duration: 300 });
    renderer.refresh();
  });

  // language, legend, export
  function legend() {
    $("cn-legend").innerHTML = Object.keys(P.roles).map(function (r) {
      return "<span><i style=\"background:" + P.roles[r] + "\"></i>" + esc(w(r)) + "</span>";
    }).join("") + "<br>" + Object.keys(HL).slice(1).map(function (t) {
      return "<span><i style=\"background:" + HL[t] + "\"></i>" + esc(w(t === "supplier" ? "suppliers" : "customers")) + "</span>";
    }).join("");
  }
  function applyLang() {
    document.documentElement.lang = lang;
    document.title = P.title[lang];
    $("cn-title").textContent = P.title[lang];
    document.querySelectorAll("[data-i18n]").forEach(function (el) { el.textContent = w(el.dataset.i18n); });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(function (el) { el.placeholder = w(el.dataset.i18nPlaceholder); });
    var notes = [];
    if (!P.links_known) notes.push(w("links_unknown"));
    if (P.aggregate) notes.push(w("aggregated"));
    $("cn-note").textContent = notes.join(" · ");
    fillFilters(); gapList(); legend(); groupLabels();
    if (state.selected >= 0) select(state.selected); else renderer.refresh();
  }
  $("cn-lang").addEventListener("click", function () { setLang(lang === "en" ? "zh" : "en"); });
  function setLang(l) { lang = l; applyLang(); }
  function exportPng() {
    renderer.refresh();
    var cs = renderer.getCanvases(), dim = renderer.getDimensions(), ratio = window.devicePixelRatio || 1;
    var out = document.createElement("canvas");
    out.width = dim.width * ratio; out.height = dim.height * ratio;
    var o = out.getContext("2d");
    o.drawImage(under, 0, 0);
    Object.keys(cs).forEach(function (k) { if (cs[k] !== under && k !== "mouse") o.drawImage(cs[k], 0, 0, out.width, out.height); });
    var url = out.toDataURL("image/png");
    var a = document.createElement("a");
    a.href = url; a.download = (P.title.en || "chainnet").replace(/[^\w-]+/g, "_") + ".png";
    document.body.appendChild(a); a.click(); a.remove();
    return url;
  }
  $("cn-export").addEventListener("click", exportPng);
  applyLang();

  // -- test and scripting hook --------------------------------------------------------------
  window.chainnetMap = {
    renderer: renderer, graph: graph, search: search, select: select, setLang: setLang, expand: expand,
    exportPng: exportPng,
    byId: function (id) { return F.id.indexOf(id); },
    stats: function () {
      var firms = 0, groups = 0;
      graph.forEachNode(function (id, at) {
        var d = renderer.getNodeDisplayData(id);
        if (d && d.hidden) return;
        if (at.firm !== undefined) firms++; else groups++;
      });
      return { firms: firms, aggregates: groups, lanes: P.kind === "chain" ? G.length : 0, edges: graph.size,
        lang: lang, selected: state.selected };
    },
    highlighted: function () {
      var out = { supplier: [], customer: [] };
      if (hl) Object.keys(hl).forEach(function (j) { if (hl[j] !== "self") out[hl[j]].push(F.id[+j]); });
      return out;
    },
    laneLabel: function (k) { return groupName(k); }
  };
  document.body.dataset.ready = "1";
})();
