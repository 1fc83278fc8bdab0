/* Site search with Pagefind, served from this site: no request leaves it.
   Without JavaScript the search page shows the A to Z lists instead. */
(function () {
  "use strict";
  var results = document.getElementById("search-results");
  var input = document.getElementById("search-q");
  var form = input && input.form;
  if (!results || !form) return;
  var pagefindUrl = results.getAttribute("data-pagefind");
  var note = document.querySelector(".search-note");
  if (note) note.textContent = "Or browse these lists:";
  var loading = null;
  var latest = 0;

  function pagefind() {
    if (!loading) {
      loading = import(pagefindUrl + "pagefind.js").then(function (module) {
        return module.options({ baseUrl: results.getAttribute("data-base") }).then(function () { return module; });
      });
    }
    return loading;
  }

  function excerpt(html) {
    // Pagefind marks matches with <mark>; keep only those tags.
    var holder = document.createElement("p");
    holder.innerHTML = html.replace(/<(?!\/?mark>)[^>]*>/g, "");
    return holder;
  }

  function show(query, items) {
    results.textContent = "";
    var heading = document.createElement("h2");
    heading.textContent = items.length
      ? items.length + (items.length === 1 ? " result" : " results") + " for \u201c" + query + "\u201d"
      : "No results for \u201c" + query + "\u201d";
    results.appendChild(heading);
    if (!items.length) return;
    var list = document.createElement("ol");
    list.className = "results-list";
    items.forEach(function (item) {
      var entry = document.createElement("li");
      var title = document.createElement("h3");
      var link = document.createElement("a");
      link.href = item.url;
      link.textContent = (item.meta && item.meta.title) || item.url;
      var type = item.meta && item.meta.type;
      if (type) {
        var label = document.createElement("span");
        label.className = "result-type";
        label.textContent = type;
        title.appendChild(label);
        title.appendChild(document.createTextNode(" "));
      }
      title.appendChild(link);
      entry.appendChild(title);
      // The page's own summary reads better than a fragment from the middle of the text.
      if (item.meta && item.meta.summary) {
        var summary = document.createElement("p");
        summary.textContent = item.meta.summary;
        entry.appendChild(summary);
      } else {
        entry.appendChild(excerpt(item.excerpt || ""));
      }
      list.appendChild(entry);
    });
    results.appendChild(list);
  }

  function search(query) {
    var ticket = ++latest;
    query = query.trim();
    if (!query) { results.textContent = ""; return; }
    pagefind()
      .then(function (module) { return module.search(query); })
      .then(function (found) { return Promise.all(found.results.slice(0, 20).map(function (r) { return r.data(); })); })
      .then(function (items) { if (ticket === latest) show(query, items); })
      .catch(function () { results.textContent = "Search is not available right now. Please use the lists below."; });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    history.replaceState(null, "", "?q=" + encodeURIComponent(input.value));
    search(input.value);
  });
  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { search(input.value); }, 200);
  });
  input.value = new URLSearchParams(window.location.search).get("q") || "";
  if (input.value) search(input.value);
})();
