"""The one table of content kinds: where their files live, where their pages go,
what they are in schema.org, which front matter they need and which template
draws them. Every stage looks a kind up here instead of keeping its own copy."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str  # condition, cause, treatment, page
    folder: str  # under content/
    url_prefix: str  # below the site's base path
    schema_type: str  # schema.org type of the thing a page is about
    required: tuple[str, ...]  # front matter keys a published file must have
    template: str


KINDS = {kind.name: kind for kind in (
    Kind("condition", "conditions", "conditions/", "MedicalCondition", ("title", "summary", "reviewed"), "condition.html"),
    Kind("cause", "causes", "causes/", "MedicalCause", ("title",), "cause.html"),
    Kind("treatment", "treatments", "treatments/", "MedicalTherapy", ("title",), "treatment.html"),
    Kind("page", "pages", "", "WebPage", ("title",), "page.html"),
)}
BY_FOLDER = {kind.folder: kind.name for kind in KINDS.values()}
ENTITY_KINDS = ("cause", "treatment")  # kinds an article's entries become


def url_path(kind: str, slug: str) -> str:
    """`cause`, `dehydration` -> `causes/dehydration/`."""
    return f"{KINDS[kind].url_prefix}{slug}/"
