// The preview's reload, as a livereload.js plugin (it finds `window.LiveReloadPlugin*`
// when it starts, and asks each plugin to reload before it reloads the page itself).
//
// A reload is a navigation: the browser drops the page, asks for it and its files again
// and lays it out from nothing, a good part of the time from save to screen. Where only
// the page's body changed (an edited article: the head, its styles and scripts, is the
// same), the new body takes the old one's place instead, and the reader keeps their
// place on the page. Anything else (a changed head, a page with scripts of its own, an
// answer that is not a page) is reloaded as before.
window.LiveReloadPluginHealthsite = class {
  static identifier = "healthsite";
  static version = "1.0";

  constructor(window) {
    this.window = window;
  }

  reload() {
    swapBody(this.window).catch(() => this.window.location.reload());
    return true; // handled: livereload.js does not reload the page as well
  }
};

async function swapBody(window) {
  const document = window.document;
  const response = await fetch(window.location.href, { cache: "no-store", credentials: "same-origin" });
  const type = response.headers.get("Content-Type") || "";
  if (response.redirected || !type.startsWith("text/html")) throw new Error("not this page");
  const next = new DOMParser().parseFromString(await response.text(), "text/html");
  const ownScripts = [...next.body.querySelectorAll("script[src]")].some((s) => !s.src.includes("/livereload.js"));
  if (ownScripts || next.head.innerHTML !== document.head.innerHTML
      || next.documentElement.lang !== document.documentElement.lang) {
    throw new Error("more than the body changed");
  }
  // Scripts in a parsed document never run, so livereload.js is not started twice. The
  // scroll position is put back by hand: with the old body gone, the browser's scroll
  // anchoring has nothing to hold on to, and would move the page by however much it guessed.
  const [x, y] = [window.scrollX, window.scrollY];
  document.body.replaceWith(document.adoptNode(next.body));
  window.scrollTo({ left: x, top: y, behavior: "instant" }); // not the site's smooth scrolling
}
