/* jcasc-gen access report: builds each table from the embedded JSON, a page of rows at a time.
   Only textContent and createElement: no string becomes markup. Nothing is fetched. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("access-data").textContent);
  var KINDS = data.kinds;
  var SYMBOL = {none: "\u00b7", direct: "\u2714", role: "R", implied: "+", authenticated: "A", anonymous: "!",
                inherited: "\u2191", disabled: "~"};
  var WORDS = {
    none: "not allowed",
    direct: "allowed: granted directly",
    role: "allowed: through a role",
    implied: "allowed: implied by another permission it holds",
    authenticated: "allowed: every signed-in user has it",
    anonymous: "allowed: everyone has it, signed in or not",
    inherited: "allowed: inherited",
    disabled: "not allowed: granted, but disabled in Jenkins"
  };
  var principalInput = document.getElementById("f-principal");
  var permissionSelect = document.getElementById("f-permission");
  var sizeSelect = document.getElementById("f-size");
  var tip = document.getElementById("reason");
  var views = [];

  function ownLabel(p) { return p[0].replace(/_/g, "-") + " " + p[1]; }
  function who(p) {
    if (p[0] === "anonymous") { return "anonymous (requests without sign-in)"; }
    if (p[0] === "authenticated") { return "authenticated (every signed-in user)"; }
    return ownLabel(p);
  }
  function kindOf(code) { return KINDS[code % 8]; }
  function reasonOf(code, p) {
    var r = data.reasons[Math.floor(code / 8)];
    return Array.isArray(r) ? r.join(ownLabel(p)) : r;
  }
  function count(n) { return n.toLocaleString("en-US"); }

  function View(table) {
    this.table = table;
    this.controller = data.controllers[Number(table.getAttribute("data-c"))];
    this.scope = this.controller.scopes[Number(table.getAttribute("data-s"))];
    var section = table.closest("section.scope");
    this.section = section;
    this.status = section.querySelector(".status");
    this.prev = section.querySelector("button[data-go='-1']");
    this.next = section.querySelector("button[data-go='1']");
    this.page = 0;
    this.rows = [];
    this.cols = [];
    this.near = false;  // drawn only once it comes near the viewport (observer below)
    this.stale = true;
    var view = this;
    this.prev.addEventListener("click", function () { view.turn(-1, false); });
    this.next.addEventListener("click", function () { view.turn(1, false); });
    table.addEventListener("keydown", function (e) { view.key(e); });
    table.addEventListener("focusin", function (e) { var td = e.target.closest("td"); if (td) { view.show(td, true); } });
    table.addEventListener("focusout", function (e) {
      if (!e.relatedTarget || !e.relatedTarget.closest || e.relatedTarget.closest("table") !== table) { hide(); }
    });
    table.addEventListener("mouseover", function (e) { var td = e.target.closest("td"); if (td) { view.show(td, false); } });
    table.addEventListener("mouseleave", function () { if (!table.contains(document.activeElement)) { hide(); } });
  }

  View.prototype.hidden = function (i) {
    if (!this.hiddenSet) { this.hiddenSet = new Set(this.scope.hidden || []); }
    return this.hiddenSet.has(i);
  };

  View.prototype.filter = function () {
    var q = principalInput.value.trim().toLowerCase();
    var perm = permissionSelect.value;
    var s = this.scope;
    var people = this.controller.principals;
    var col = perm ? s.perms.indexOf(perm) : -1;
    var i;
    this.cols = [];
    if (!perm) { for (i = 0; i < s.perms.length; i++) { this.cols.push(i); } } else if (col >= 0) { this.cols.push(col); }
    this.rows = [];
    for (i = 0; i < people.length; i++) {
      if (q && who(people[i]).toLowerCase().indexOf(q) < 0) { continue; }
      if (perm) {
        if (col < 0) { continue; }
        var k = kindOf(s.patterns[s.rows[i]][col]);
        if (k === "none" || k === "disabled") { continue; }
      }
      this.rows.push(i);
    }
    this.page = 0;
  };

  View.prototype.size = function () { return Number(sizeSelect.value) || 100; };

  View.prototype.render = function () {
    var s = this.scope, people = this.controller.principals, size = this.size();
    var pages = Math.max(1, Math.ceil(this.rows.length / size));
    if (this.page >= pages) { this.page = pages - 1; }
    var first = this.page * size, last = Math.min(this.rows.length, first + size);
    var head = document.createElement("tr");
    var corner = document.createElement("th");
    corner.scope = "col";
    corner.textContent = "Principal";
    head.appendChild(corner);
    this.cols.forEach(function (c) {
      var th = document.createElement("th");
      th.scope = "col";
      var parts = s.perms[c].split("/");
      parts.forEach(function (part, n) {
        if (n) { th.appendChild(document.createTextNode("/")); th.appendChild(document.createElement("wbr")); }
        th.appendChild(document.createTextNode(part));
      });
      head.appendChild(th);
    });
    var thead = this.table.tHead;
    thead.replaceChildren(head);
    var body = document.createDocumentFragment();
    for (var r = first; r < last; r++) {
      var i = this.rows[r], p = people[i], codes = s.patterns[s.rows[i]];
      var tr = document.createElement("tr");
      var th = document.createElement("th");
      th.scope = "row";
      if (p[0] === "anonymous" || p[0] === "authenticated") {
        var strong = document.createElement("strong");
        strong.textContent = p[0];
        th.appendChild(strong);
      } else {
        var tag = document.createElement("span");
        tag.className = "pkind";
        tag.textContent = p[0].replace(/_/g, "-");
        th.appendChild(tag);
        th.appendChild(document.createTextNode(p[1]));
      }
      if (this.hidden(i) && codes.some(function (code) { var k = kindOf(code); return k !== "none" && k !== "disabled"; })) {
        var gone = document.createElement("span");
        gone.className = "unseen";
        gone.textContent = " (cannot see it: 404)";
        th.appendChild(gone);
      }
      tr.appendChild(th);
      for (var n = 0; n < this.cols.length; n++) {
        var c = this.cols[n], kind = kindOf(codes[c]);
        var td = document.createElement("td");
        td.className = "k-" + kind;
        td.tabIndex = -1;
        td.setAttribute("data-p", String(i));
        td.setAttribute("data-col", String(c));
        var sym = document.createElement("span");
        sym.setAttribute("aria-hidden", "true");
        sym.textContent = SYMBOL[kind];
        var words = document.createElement("span");
        words.className = "sr";
        words.textContent = WORDS[kind];
        td.appendChild(sym);
        td.appendChild(words);
        tr.appendChild(td);
      }
      body.appendChild(tr);
    }
    this.table.tBodies[0].replaceChildren(body);
    var firstCell = this.table.tBodies[0].querySelector("td");
    if (firstCell) { firstCell.tabIndex = 0; }
    var perm = permissionSelect.value;
    if (perm && this.cols.length === 0) {
      this.status.textContent = "Nobody holds " + perm + " here";
    } else if (this.rows.length === 0) {
      this.status.textContent = "No principal matches";
    } else {
      this.status.textContent = "Principals " + count(first + 1) + "\u2013" + count(last) + " of " + count(this.rows.length) +
        (this.rows.length === people.length ? "" : " (" + count(people.length) + " in all)") +
        "; page " + count(this.page + 1) + " of " + count(pages);
    }
    this.prev.disabled = this.page === 0;
    this.next.disabled = this.page >= pages - 1;
    if (!performance.getEntriesByName("jcasc-report-ready").length) {
      performance.mark("jcasc-report-ready");  // benchmarks/report.py: when the first table was drawn
    }
  };

  View.prototype.turn = function (step, focus) {
    var pages = Math.max(1, Math.ceil(this.rows.length / this.size()));
    var page = Math.min(pages - 1, Math.max(0, this.page + step));
    if (page === this.page) { return; }
    this.page = page;
    this.render();
    if (focus) { var td = this.table.tBodies[0].querySelector("td"); if (td) { this.move(null, td); } }
  };

  View.prototype.move = function (from, to) {
    if (from) { from.tabIndex = -1; }
    this.table.tBodies[0].querySelectorAll("td[tabindex='0']").forEach(function (td) { td.tabIndex = -1; });
    to.tabIndex = 0;
    to.focus();
  };

  View.prototype.key = function (e) {
    var td = e.target.closest && e.target.closest("td");
    if (!td) { return; }
    if (e.key === "Escape") { hide(); return; }
    var tr = td.parentElement, rows = this.table.tBodies[0].rows;
    var x = td.cellIndex, y = tr.sectionRowIndex, width = tr.cells.length;
    var tx = x, ty = y;
    switch (e.key) {
      case "ArrowRight": tx = Math.min(width - 1, x + 1); break;
      case "ArrowLeft": tx = Math.max(1, x - 1); break;
      case "ArrowDown": ty = Math.min(rows.length - 1, y + 1); break;
      case "ArrowUp": ty = Math.max(0, y - 1); break;
      case "Home": tx = 1; if (e.ctrlKey) { ty = 0; } break;
      case "End": tx = width - 1; if (e.ctrlKey) { ty = rows.length - 1; } break;
      case "PageDown": e.preventDefault(); this.turn(1, true); return;
      case "PageUp": e.preventDefault(); this.turn(-1, true); return;
      default: return;
    }
    e.preventDefault();
    var target = rows[ty] && rows[ty].cells[tx];
    if (target && target !== td) { this.move(td, target); }
  };

  View.prototype.show = function (td, focused) {
    var p = this.controller.principals[Number(td.getAttribute("data-p"))];
    var col = Number(td.getAttribute("data-col"));
    var code = this.scope.patterns[this.scope.rows[Number(td.getAttribute("data-p"))]][col];
    var kind = kindOf(code), why = reasonOf(code, p);
    var where = this.scope.path === null ? "Jenkins" : this.scope.path;
    var unseen = this.hidden(Number(td.getAttribute("data-p"))) ?
      "\n" + who(p) + " cannot see " + where + " (Jenkins answers 404): it lacks Overall/Read, or Job/Read on it or a folder above" : "";
    tip.textContent = who(p) + "\n" + this.scope.perms[col] + " on " + where + ": " + WORDS[kind] + (why ? "\n" + why : "") + unseen;
    tip.hidden = false;
    var box = td.getBoundingClientRect();
    var left = Math.max(4, Math.min(box.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 4));
    tip.style.left = left + "px";
    tip.style.top = (box.bottom + window.scrollY + 4) + "px";
    if (focused) { td.setAttribute("aria-describedby", "reason"); }
  };

  function hide() {
    tip.hidden = true;
    document.querySelectorAll("td[aria-describedby]").forEach(function (td) { td.removeAttribute("aria-describedby"); });
  }

  View.prototype.draw = function () {
    if (this.near || this.table.contains(document.activeElement)) { this.render(); this.stale = false; } else { this.stale = true; }
  };

  function refresh() {
    views.forEach(function (v) { v.filter(); v.draw(); });
  }

  document.querySelectorAll("table.matrix").forEach(function (table) { views.push(new View(table)); });
  // A report of many folders draws only the tables near the viewport; the others when scrolled to.
  var observer = new IntersectionObserver(function (seen) {
    seen.forEach(function (entry) {
      var view = views.filter(function (v) { return v.section === entry.target; })[0];
      view.near = entry.isIntersecting;
      if (view.near && view.stale) { view.render(); view.stale = false; }
    });
  }, {rootMargin: "600px 0px"});
  views.forEach(function (v) { observer.observe(v.section); });
  var timer = null;
  principalInput.addEventListener("input", function () {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(refresh, 120);
  });
  permissionSelect.addEventListener("change", refresh);
  sizeSelect.addEventListener("change", function () { views.forEach(function (v) { v.page = 0; v.draw(); }); });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") { hide(); } });
  refresh();
}());
