// Gongshi progressive enhancements. Every page works without this file:
// it adds search suggestions while typing, filters lists in place, folds
// the search filters on narrow screens, and adds print, copy-link and
// PNG-download buttons.
(function () {
  "use strict";
  var en = document.documentElement.lang === "en";
  var text = {
    print: en ? "Print / save as PDF" : "打印 / 另存为 PDF",
    png: "PNG",
    suggestions: en ? "Suggestions" : "搜索建议",
    count: function (n) { return en ? n + " suggestions; use the arrow keys" : "有 " + n + " 条建议，可用方向键选择"; }
  };

  // Suggestions while typing (ARIA 1.2 combobox with a listbox popup).
  function setupSuggest(input) {
    var url = input.getAttribute("data-suggest");
    var list = document.createElement("ul");
    var live = document.createElement("p");
    var timer = null, items = [], active = -1, seq = 0;
    list.id = input.id + "-suggest";
    list.className = "suggest";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", text.suggestions);
    list.hidden = true;
    live.className = "vh";
    live.setAttribute("aria-live", "polite");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.parentNode.parentNode.appendChild(list);
    input.parentNode.parentNode.appendChild(live);

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function select(i) {
      var lis = list.children;
      for (var j = 0; j < lis.length; j++) lis[j].setAttribute("aria-selected", j === i ? "true" : "false");
      active = i;
      if (i >= 0) input.setAttribute("aria-activedescendant", lis[i].id);
      else input.removeAttribute("aria-activedescendant");
    }
    function render(data) {
      list.textContent = "";
      items = data;
      data.forEach(function (s, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = s.title;
        var sub = document.createElement("small");
        sub.textContent = s.subtitle;
        li.appendChild(sub);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); location.href = s.url; });
        list.appendChild(li);
      });
      if (data.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        live.textContent = text.count(data.length);
      } else {
        close();
      }
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        var sep = url.indexOf("?") < 0 ? "?" : "&";
        fetch(url + sep + "q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (data) { if (mine === seq) render(data || []); })
          .catch(function () { close(); });
      }, 200);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { e.preventDefault(); select(Math.min(active + 1, items.length - 1)); }
      else if (e.key === "ArrowUp") { e.preventDefault(); select(Math.max(active - 1, -1)); }
      else if (e.key === "Escape") { close(); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); location.href = items[active].url; }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  // A list filter applied in place as one types or picks a category: the
  // server filters and paginates, the results region is replaced, and the
  // page stays where it is with focus on the control (WCAG 3.2.2: nothing
  // navigates on a change; the form's button still submits it).
  function setupFilterInPlace(form) {
    var region = document.getElementById(form.getAttribute("data-filter-in-place"));
    var status = document.getElementById("list-status");
    if (!region || !window.fetch || !window.DOMParser || !window.URLSearchParams) return;
    var timer = null, seq = 0;
    function query() {
      var params = new URLSearchParams();
      new FormData(form).forEach(function (v, k) { if (String(v).trim() !== "") params.append(k, v); });
      var q = params.toString();
      return form.getAttribute("action") + (q ? "?" + q : "");
    }
    function apply() {
      var url = query(), mine = ++seq;
      fetch(url, { headers: { Accept: "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (mine !== seq || html === null) return;
          var doc = new DOMParser().parseFromString(html, "text/html");
          var next = doc.getElementById(region.id), st = doc.getElementById("list-status");
          if (!next) return;
          region.replaceChildren.apply(region, Array.prototype.slice.call(next.childNodes).map(function (n) {
            return document.adoptNode(n);
          }));
          if (status && st) status.textContent = st.textContent;
          history.replaceState(null, "", url);
        })
        .catch(function () { /* the button still submits the form */ });
    }
    function later() { clearTimeout(timer); timer = setTimeout(apply, 250); }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    form.addEventListener("submit", function (e) { e.preventDefault(); clearTimeout(timer); apply(); });
  }

  // On a narrow screen the search filters start folded behind their
  // toggle, above the results; without this script they stay open.
  function setupFilterToggle(details) {
    if (!window.matchMedia) return;
    var narrow = window.matchMedia("(max-width: 600px)");
    if (narrow.matches) details.open = false;
    // Wide screens hide the toggle: the filters must be open there.
    narrow.addEventListener("change", function () { if (!narrow.matches) details.open = true; });
  }

  // A flowchart as PNG: the inline SVG drawn on a canvas at twice its size.
  function setupPNG(slot) {
    var section = slot.closest("section");
    var svg = section && section.querySelector(".flowchart svg");
    if (!svg) return;
    var b = document.createElement("button");
    b.type = "button";
    b.className = "secondary";
    b.textContent = text.png;
    b.addEventListener("click", function () {
      var clone = svg.cloneNode(true);
      clone.setAttribute("xmlns", "http://www.w3.org/2000/svg");
      var w = svg.viewBox.baseVal.width || svg.getBoundingClientRect().width;
      var h = svg.viewBox.baseVal.height || svg.getBoundingClientRect().height;
      var img = new Image();
      img.onload = function () {
        var c = document.createElement("canvas");
        c.width = Math.ceil(w * 2); c.height = Math.ceil(h * 2);
        var ctx = c.getContext("2d");
        ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, c.width, c.height);
        ctx.drawImage(img, 0, 0, c.width, c.height);
        c.toBlob(function (blob) {
          var a = document.createElement("a");
          a.href = URL.createObjectURL(blob);
          a.download = slot.getAttribute("data-png");
          document.body.appendChild(a); a.click(); a.remove();
        }, "image/png");
      };
      img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(new XMLSerializer().serializeToString(clone));
    });
    slot.appendChild(b);
  }

  function setupPrint(slot) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "secondary";
    b.textContent = text.print;
    b.addEventListener("click", function () { window.print(); });
    slot.appendChild(b);
  }

  // A copy button beside a read-only field (the page's absolute URL).
  function setupCopy(slot) {
    var input = document.getElementById(slot.getAttribute("data-copy"));
    if (!input) return;
    var b = document.createElement("button");
    var status = document.createElement("span");
    b.type = "button";
    b.className = "secondary";
    b.textContent = slot.getAttribute("data-label");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    function done(ok) { status.textContent = slot.getAttribute(ok ? "data-copied" : "data-copy-failed"); }
    function fallback() {
      input.focus();
      input.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      done(ok);
    }
    b.addEventListener("click", function () {
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(input.value).then(function () { done(true); }, fallback);
      } else {
        fallback();
      }
    });
    input.addEventListener("focus", function () { input.select(); });
    slot.appendChild(b);
    slot.appendChild(status);
  }

  // The print colophon carries the date the page is printed on.
  function setupPrintDate(el) {
    function today() {
      var d = new Date();
      var p = function (n) { return (n < 10 ? "0" : "") + n; };
      el.textContent = d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate());
      el.setAttribute("datetime", el.textContent);
    }
    today();
    window.addEventListener("beforeprint", today);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-copy]").forEach(setupCopy);
    document.querySelectorAll("[data-print-date]").forEach(setupPrintDate);
    document.querySelectorAll("input[data-suggest]").forEach(setupSuggest);
    document.querySelectorAll("form[data-filter-in-place]").forEach(setupFilterInPlace);
    document.querySelectorAll("details.filters-toggle").forEach(setupFilterToggle);
    document.querySelectorAll("[data-png]").forEach(setupPNG);
    document.querySelectorAll("[data-print]").forEach(setupPrint);
  });
})();
