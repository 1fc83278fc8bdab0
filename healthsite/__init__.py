"""healthsite: a static site generator for health information.

The pipeline runs one way, one module per stage:

    config -> content (read) -> article (parse) -> graph (link) -> plan -> render -> write

`pipeline.build_site` strings the stages together (`gather` reads and parses only what
changed; `outputs` renders only the pages whose key changed); `cli` and `server` call it.
"""

__version__ = "0.1.0"
