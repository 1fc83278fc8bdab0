"""The page the preview shows in place of every page while the build has errors:
the errors first, the warnings folded away, and the livereload script so that the
page reloads by itself once the errors are fixed."""

from __future__ import annotations

import html

from .preview import Preview
from .problems import ERROR, WARNING, Problem, printable


def error_page(preview: Preview) -> str:
    errors = [p for p in preview.problems if p.severity == ERROR]
    warnings = [p for p in preview.problems if p.severity == WARNING]
    folded = (f"<details><summary>{len(warnings)} warning(s): fix them before you publish</summary>\n"
              f"<ul>\n{_items(warnings)}\n</ul></details>" if warnings else "")
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Build failed: {len(errors)} error(s) | preview</title>
<style>
body {{ font: 1.125rem/1.5 system-ui, sans-serif; margin: 0; background: #fff; color: #1a1a1a; }}
main {{ max-width: 60rem; margin: 0 auto; padding: 1.5rem; }}
h1 {{ color: #a4000f; }} li {{ margin: .5rem 0; }} code {{ background: #f3f2f1; padding: 0 .25rem; }}
li.warning strong {{ color: #6b4c00; }} li.error strong {{ color: #a4000f; }}
</style></head>
<body><main>
<h1>The preview could not be rebuilt</h1>
<p>Fix the {len(errors)} error(s) below and save: this page reloads by itself. The published site is not affected.</p>
<ul>
{_items(errors)}
</ul>
{folded}
</main>
{preview.live_script()}
</body></html>
"""


def _items(problems: list[Problem]) -> str:
    """One list item per problem; paths and messages escaped (a file name may hold `<` or an escape)."""
    return "\n".join(
        f'<li class="{p.severity}"><code>{html.escape(printable(p.path))}:{p.line}</code>: '
        f"<strong>{p.severity}</strong>: {html.escape(printable(p.message))}</li>"
        for p in problems)
