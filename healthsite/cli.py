"""The command line: build, check, serve, new (content-format.md, section 7).

Exit codes: 0 ok, 1 content errors, 2 usage errors.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from pathlib import Path

from .config import load_config
from .pipeline import OutputRefused, build_site, project_cache, publish
from .problems import ERROR, WARNING, has_errors

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="healthsite", description="Build a static health information website from markdown.")
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_config(sub):
        sub.add_argument("--config", default="config.yaml", help="the site's config file (default: config.yaml)")
        return sub

    def speed(sub):
        sub.add_argument("--jobs", type=int, default=0, metavar="N", help="processes for a big build (default: one per core)")
        sub.add_argument("--no-cache", action="store_true", help="start cold: do not use or write .healthsite-cache/")

    build = with_config(commands.add_parser("build", help="build the site into the output folder"))
    build.add_argument("--out", help="output folder (default: output_dir in config.yaml, or public/)")
    build.add_argument("--drafts", action="store_true", help="include articles with `draft: true`")
    build.add_argument("--no-search", action="store_true", help="skip building the search index")
    speed(build)

    check = with_config(commands.add_parser("check", help="check every file and list every problem; writes no site"))
    check.add_argument("--drafts", action="store_true", help="check drafts as if published")
    check.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    check.add_argument("--strict", action="store_true", help="fail (exit 1) on warnings too")
    speed(check)

    serve = with_config(commands.add_parser("serve", help="preview the site, rebuilding and reloading on every save"))
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument("--out", help="folder for the preview build (default: a temporary folder)")

    outline = with_config(commands.add_parser("outline", help="show how articles were read: sections, entries, items kept as text"))
    outline.add_argument("paths", nargs="+", metavar="PATH", help="article files (or folders of them) under content/")

    review = with_config(commands.add_parser("review", help="every reviewed page with its review status, most urgent first"))
    review.add_argument("--format", choices=["table", "csv", "json"], default="table", help="output format")
    review.add_argument("--due-within", type=int, metavar="DAYS", help="only pages due for review within DAYS days (or overdue)")

    new = with_config(commands.add_parser("new", help="start a new article from a template"))
    new.add_argument("kind", choices=["condition", "cause", "treatment", "page"])
    new.add_argument("title", help='the title, e.g. "Leg cramps"')
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug in healthsite, not in the content
        if os.environ.get("HEALTHSITE_DEBUG"):
            raise
        print(f"healthsite: internal error: {exc!r} (set HEALTHSITE_DEBUG=1 for details, and please report it)", file=sys.stderr)
        return 70


def _config(args):
    path = Path(args.config)
    if args.config != "config.yaml" and not path.exists():
        print(f"healthsite: error: config file {path} not found", file=sys.stderr)
        return None, None
    return load_config(path)


def one_shot(command):
    """A command that builds once, then exits: the site it holds lives until the end, so the
    cycle collector would walk all of it for nothing, after the build and again at exit (3 s
    at 10,000 articles). What is alive when it ends is frozen out of the exit's collection."""
    def run(args) -> int:
        gc.disable()
        try:
            return command(args)
        finally:
            gc.freeze()
    run.__doc__ = command.__doc__
    return run


@one_shot
def cmd_build(args) -> int:
    config, problems = _config(args)
    if config is None:
        return EXIT_USAGE
    try:
        cache = project_cache(config, enabled=not args.no_cache)
        build = publish(config, Path(args.out) if args.out else None, drafts=args.drafts, problems=problems,
                        search=not args.no_search, cache=cache, jobs=args.jobs)
        cache.close()
    except OutputRefused as exc:
        print(f"healthsite: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for problem in build.problems:
        print(problem, file=sys.stderr)
    if not build.written:
        print(f"build failed: {_summary(build.problems)}; the published site was not changed", file=sys.stderr)
        return EXIT_ERRORS
    out = Path(args.out) if args.out else config.output_path
    done = "nothing changed: " if build.unchanged else ""
    print(f"{done}built {build.page_count} pages into {out} in {build.seconds:.2f} s"
          + (f" ({_summary(build.problems)})" if build.problems else ""))
    return EXIT_OK


@one_shot
def cmd_check(args) -> int:
    config, problems = _config(args)
    if config is None:
        return EXIT_USAGE
    cache = project_cache(config, enabled=not args.no_cache)
    build = build_site(config, drafts=args.drafts, problems=problems, search=False, cache=cache, jobs=args.jobs)
    cache.close()
    failed = has_errors(build.problems) or (args.strict and bool(build.problems))
    if args.format == "json":
        print(json.dumps({"ok": not failed, "problems": [p.as_dict() for p in build.problems]}, indent=2))
    else:
        for problem in build.problems:
            print(problem)
        print(f"check: {_summary(build.problems) if build.problems else 'no problems'}", file=sys.stderr)
    return EXIT_ERRORS if failed else EXIT_OK


def cmd_serve(args) -> int:
    from .server import serve

    config, problems = _config(args)
    if config is None:
        return EXIT_USAGE
    return serve(config, args.host, args.port, Path(args.out) if args.out else None)


def cmd_new(args) -> int:
    from .scaffold import new_file

    config, _ = _config(args)
    if config is None:
        return EXIT_USAGE
    return new_file(config, args.kind, args.title)


def cmd_outline(args) -> int:
    from .outline import outline_text
    from .pipeline import read_articles

    config, _ = _config(args)
    if config is None:
        return EXIT_USAGE
    found, problems, unknown = read_articles(config, [Path(p) for p in args.paths])
    for path in unknown:
        print(f"healthsite: error: {path} is not an article under {config.root / 'content'}", file=sys.stderr)
    for article in found:
        print(outline_text(article.document.path, article), end="\n\n")
    for problem in problems:
        print(problem, file=sys.stderr)
    if unknown:
        return EXIT_USAGE
    return EXIT_ERRORS if has_errors(problems) else EXIT_OK


def cmd_review(args) -> int:
    from .lint import today
    from .review import FORMATS, review_rows

    config, problems = _config(args)
    if config is None:
        return EXIT_USAGE
    build = build_site(config, problems=problems, search=False)
    print(FORMATS[args.format](review_rows(build.site, config.review_interval, today(), args.due_within, build.grades)))
    if has_errors(build.problems):
        print(f"review: the site has {_summary(build.problems)}: run `check`", file=sys.stderr)
    return EXIT_OK


def _summary(problems) -> str:
    errors = sum(1 for p in problems if p.severity == ERROR)
    warnings = sum(1 for p in problems if p.severity == WARNING)
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


COMMANDS = {"build": cmd_build, "check": cmd_check, "serve": cmd_serve, "new": cmd_new, "outline": cmd_outline,
            "review": cmd_review}

if __name__ == "__main__":
    sys.exit(main())
